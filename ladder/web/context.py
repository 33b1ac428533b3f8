"""Template context every desk page gets: the signed-in staff member, their
organization and (counted only if the page shows it) their unread notifications."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from ladder.playbooks.queries import unread_count
from ladder.web.desk import current_staff


def desk(request: HttpRequest) -> dict[str, Any]:
    staff = current_staff(request)
    return {
        "staff": staff,
        "org": staff.organization if staff else None,
        # A callable: the template calls it where it shows the count, once.
        "unread_notifications": partial(unread_count, staff=staff) if staff else 0,
    }
