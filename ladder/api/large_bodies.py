"""Bulk routes take bodies larger than the API's usual limit (10,000 signals with
their notes): this middleware reads them, up to their own limit, before anything else
touches ``request.body``; beyond it they get 413."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

# Paths whose bodies may be as large as LADDER_BULK_BODY_MAX (bytes).
BULK_PATHS = frozenset({"/api/v1/signals/bulk", "/api/v1/hooks/signals"})


def limit() -> int:
    return int(getattr(settings, "LADDER_BULK_BODY_MAX", 32 * 1024 * 1024))


class LargeBodies:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in BULK_PATHS:
            most = limit()
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            too_big = JsonResponse(
                {"detail": f"the body is larger than {most} bytes: send fewer rows"}, status=413
            )
            if length > most:
                return too_big
            body = request.read(most + 1)
            if len(body) > most:
                return too_big
            request._body = body  # what request.body returns from now on
        return self.get_response(request)
