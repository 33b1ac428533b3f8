"""The NinjaAPI instance: routers, authentication and the error contract."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from ladder.api import (
    cases,
    churn,
    customers,
    health,
    playbooks,
    programs,
    retention,
    signals,
    staff,
    surveys,
    tasks,
)
from ladder.api.auth import BearerToken, StaffSession
from ladder.api.http import IdempotencyConflict, PreconditionRequired
from ladder.errors import Conflict, Forbidden, Invalid, NotFound, StaleVersion

api = NinjaAPI(
    title="Ladder API",
    version="1",
    description=(
        "The escalation and cancellation desk. Authenticate with `Authorization: Bearer "
        "<token>` (create one with `ladder token create USERNAME`). Updates need `If-Match` "
        "with the ETag you read; creates accept `Idempotency-Key`. Errors are JSON with "
        "`detail`, and 422 lists `errors` as field and message."
    ),
    auth=[BearerToken(), StaffSession()],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
for module in (
    cases,
    customers,
    tasks,
    staff,
    playbooks,
    surveys,
    programs,
    churn,
    signals,
    health,
    retention,
):
    api.add_router("/v1/", module.router)


def _json(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _json(request, 404, {"detail": str(exc)})


@api.exception_handler(Forbidden)
def _forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
    return _json(request, 403, {"detail": str(exc)})


@api.exception_handler(Invalid)
def _invalid(request: HttpRequest, exc: Invalid) -> HttpResponse:
    errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    return _json(request, 422, {"detail": "invalid input", "errors": errors})


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return _json(request, 409, {"detail": str(exc), "current": exc.current, "allowed": exc.allowed})


@api.exception_handler(IdempotencyConflict)
def _idem_conflict(request: HttpRequest, exc: IdempotencyConflict) -> HttpResponse:
    return _json(request, 409, {"detail": str(exc), "current": "processing", "allowed": []})


@api.exception_handler(StaleVersion)
def _stale(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
    return _json(request, 412, {"detail": str(exc)})


@api.exception_handler(PreconditionRequired)
def _precondition(request: HttpRequest, exc: PreconditionRequired) -> HttpResponse:
    return _json(request, 428, {"detail": str(exc)})


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _json(request, 401, {"detail": "authentication required: send a Bearer token"})
    response["WWW-Authenticate"] = "Bearer"
    return response


def _field_name(loc: list[Any]) -> str:
    # ninja prefixes the location ("body", "query", "header", "path") and the parameter
    # name; the client wants the field it sent.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        kind, rest = parts[0], parts[1:]
        if kind == "body" and rest and rest[0] == "body":
            rest = rest[1:]
        if kind == "query" and rest and rest[0] == "params":
            rest = rest[1:]
        return ".".join(rest) if rest else kind
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(list(e.get("loc", []))), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors
    ]
    return _json(request, 422, {"detail": "invalid input", "errors": errors})
