"""What every desk view needs: the signed-in staff member as an Actor, and a decorator
that lets in only staff of an organization. Views stay thin: they parse the form, call
one action or query, and render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Staff

P = ParamSpec("P")


def current_staff(request: HttpRequest) -> Staff | None:
    """The signed-in staff member, loaded once per request."""
    if not request.user.is_authenticated:
        return None
    cached: Staff | None = getattr(request, "_ladder_staff", None)
    if cached is None:
        cached = (
            Staff.objects.select_related("organization", "user")
            .prefetch_related("role_grants")
            .filter(user_id=request.user.pk)
            .first()
        )
        request._ladder_staff = cached  # type: ignore[attr-defined]
    return cached


def actor_for(request: HttpRequest) -> Actor:
    staff = current_staff(request)
    if staff is None:
        raise PermissionDenied("only staff of an organization use the desk")
    return Actor.for_staff(staff)


def desk_view(
    view: Callable[Concatenate[HttpRequest, Actor, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Signed in, staff of an organization; the view gets the Actor."""

    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        return view(request, actor_for(request), *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    wrapper.__module__ = view.__module__
    return login_required(wrapper)


def field_errors(errors: Any) -> dict[str, list[str]]:
    """Domain field errors grouped by field, for forms to show next to each field."""
    grouped: dict[str, list[str]] = {}
    for e in errors:
        grouped.setdefault(e.field, []).append(e.message)
    return grouped
