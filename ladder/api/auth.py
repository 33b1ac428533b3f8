"""API authentication: a bearer token for clients, the session (with CSRF) for pages.
Both resolve to an :class:`~ladder.tenancy.actors.Actor` on ``request.auth``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from ladder.tenancy.actions import authenticate_token
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Staff


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        return Actor.for_staff(api_token.staff, token=api_token)


class StaffSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None  # no session cookie: nobody signed in (and no request.user, see lean)
        user = request.user
        if not user.is_authenticated:
            return None
        staff = (
            Staff.objects.select_related("organization")
            .prefetch_related("role_grants")
            .filter(user_id=user.pk)
            .first()
        )
        return Actor.for_staff(staff) if staff is not None else None


def actor_of(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor
