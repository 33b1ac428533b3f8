"""Pages speak the staff member's language: their own choice, else their
organization's locale. An explicit switch (the language cookie) wins."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from ladder.web.desk import current_staff


class StaffLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith("/api/")
        ):
            staff = current_staff(request)
            if staff is not None:
                language = staff.locale or staff.organization.locale
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
