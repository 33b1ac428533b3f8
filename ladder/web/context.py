"""Template context every desk page gets: the signed-in staff member, their
organization, whether they configure it (the nav shows the settings pages only to
them), and (counted only if the page shows it) their unread notifications."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from ladder.playbooks.queries import unread_count
from ladder.tenancy.permissions import Permission, allows
from ladder.web.desk import current_staff


def desk(request: HttpRequest) -> dict[str, Any]:
    staff = current_staff(request)
    return {
        "staff": staff,
        "org": staff.organization if staff else None,
        # The roles came with the staff member (current_staff prefetches them).
        "may_configure": bool(staff and allows(staff.role_set, Permission.CONFIGURE)),
        # A callable: the template calls it where it shows the count, once.
        "unread_notifications": partial(unread_count, staff=staff) if staff else 0,
    }
