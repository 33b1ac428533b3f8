"""Refuses API requests Ladder cannot honour, naming the parameter or field: a query
parameter given twice (every API filter takes one value; Django would silently keep
the last, so a client that thinks it filtered by two categories would get one), and
text holding the NUL character in a query or a JSON body (PostgreSQL text cannot store
or compare it, and SQLite would store what PostgreSQL refuses)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

# JSON writes NUL as this escape; a raw NUL byte is not valid JSON at all.
_ESCAPED_NUL = b"\\u0000"


def _nul_at(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
        if any("\x00" in k for k, _v in items):
            return path or "body"
    elif isinstance(value, list):
        items = [(str(i), v) for i, v in enumerate(value)]
    for key, item in items:
        found = _nul_at(item, f"{path}.{key}" if path else key)
        if found is not None:
            return found
    return None


def _body_errors(request: HttpRequest) -> list[dict[str, str]]:
    if _ESCAPED_NUL not in request.body:
        return []
    try:
        data = json.loads(request.body)
    except ValueError:
        return []  # not JSON: the API says so itself
    where = _nul_at(data, "")
    return [{"field": where, "message": _("must not contain the NUL character")}] if where else []


class RequestText:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            errors = []
            for key, values in sorted(request.GET.lists()):
                if len(values) > 1:
                    errors.append({"field": key, "message": _("is given more than once")})
                elif any("\x00" in v for v in values):
                    errors.append(
                        {"field": key, "message": _("must not contain the NUL character")}
                    )
            if request.method in ("POST", "PUT", "PATCH"):
                errors += _body_errors(request)
            if errors:
                detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
                return JsonResponse({"detail": detail, "errors": errors}, status=422)
        return self.get_response(request)
