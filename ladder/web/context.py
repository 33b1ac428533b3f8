"""Template context every desk page gets: the signed-in staff member and their
organization."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ladder.web.desk import current_staff


def desk(request: HttpRequest) -> dict[str, Any]:
    staff = current_staff(request)
    return {"staff": staff, "org": staff.organization if staff else None}
