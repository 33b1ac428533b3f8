"""Refuses API requests that repeat a query parameter. Every filter of the API takes
one value; Django would silently keep the last of several, so a client that thinks it
filtered by two categories would get one, and the OpenAPI contract would be broken."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class SingleValuedQuery:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            repeated = sorted(k for k, values in request.GET.lists() if len(values) > 1)
            if repeated:
                errors = [{"field": k, "message": _("is given more than once")} for k in repeated]
                detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
                return JsonResponse({"detail": detail, "errors": errors}, status=422)
        return self.get_response(request)
