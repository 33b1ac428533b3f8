"""API clients' requests skip the pages' middleware.

A request to the REST API that carries a bearer token and no session cookie is an API
client's (an integration, a script, the load generator): it has no session to load, no
CSRF token to check, no messages, no htmx, no sign-in to lock out and no page to
protect with the site's content security policy. Running the pages' fifteen
middleware on it cost about a sixth of the Python time of creating a case. So the
first middleware, :class:`BearerRequests`, hands such a request to a second chain of
its own, ``settings.API_MIDDLEWARE`` (security headers, language, the common
middleware, the API's own body checks, and a fixed restrictive policy for JSON), and
lets every other request, the API's session-authenticated ones included, through the
whole of ``settings.MIDDLEWARE``.

Nothing the API does depends on what the shorter chain leaves out: its bearer
authentication reads the header itself, ninja's session authentication does its own
CSRF check and answers None without a session cookie (which these requests have
not), and the signals webhook (HMAC, no bearer) takes the whole chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string

API_PREFIX = "/api/v1/"

# A JSON answer is not a document: it may load nothing and be framed by nobody.
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"

_HOOKS = ("process_view", "process_template_response", "process_exception")


def is_bearer_api_request(request: HttpRequest) -> bool:
    return (
        request.path_info.startswith(API_PREFIX)
        and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


class _ApiHandler(BaseHandler):
    """Django's request handling (URL resolving, the view, the error pages) behind
    ``settings.API_MIDDLEWARE`` instead of ``settings.MIDDLEWARE``. Those middleware are
    plain callables: a middleware with view, template-response or exception hooks
    would be skipped silently here, so it is refused when the chain is built."""

    def __init__(self, paths: list[str]) -> None:
        super().__init__()
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(paths):
            factory = import_string(path)
            hooks = [h for h in _HOOKS if hasattr(factory, h)]
            if hooks:
                raise ImproperlyConfigured(
                    f"API_MIDDLEWARE: {path} has {', '.join(hooks)}, which the API's "
                    "short chain does not run; leave it in MIDDLEWARE only"
                )
            try:
                instance = factory(handler)
            except MiddlewareNotUsed:
                continue  # as Django's own loading does: the middleware opted out
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class BearerRequests:
    """The first of ``settings.MIDDLEWARE``: sends bearer-token API requests through
    ``settings.API_MIDDLEWARE`` and everything else on through the rest."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.api = _ApiHandler(list(settings.API_MIDDLEWARE))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_bearer_api_request(request):
            return self.api.get_response(request)
        return self.get_response(request)


class JsonPolicy:
    """The content security policy of an API client's answers (the pages' policy,
    from django-csp, allows what a page needs; JSON needs nothing)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", JSON_POLICY)
        return response
