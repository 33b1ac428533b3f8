"""/api/v1/me, /staff, /teams and /tiers (read only)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from ladder.api.auth import actor_of
from ladder.api.http import responses
from ladder.api.schemas import (
    Cursor,
    Limit,
    MeOut,
    Ref,
    StaffOut,
    StaffPageOut,
    TeamOut,
    TierOut,
    organization_out,
    staff_out,
)
from ladder.tenancy import queries
from ladder.tenancy.models import Role, Team
from ladder.tenancy.permissions import Permission

router = Router(tags=["staff"])


@router.get("/me", response=responses({200: MeOut}), summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    actor = actor_of(request)
    assert actor.staff is not None
    staff = queries.get_staff(organization=actor.organization, staff_id=actor.staff.pk)
    return MeOut(
        staff=staff_out(staff),
        organization=organization_out(actor.organization),
        permissions=sorted(p.value for p in Permission if actor.can(p)),
        authenticated_by="token" if actor.token is not None else "session",
    )


@router.get("/staff", response=responses({200: StaffPageOut}), summary="List staff")
def list_staff(
    request: HttpRequest,
    cursor: Cursor | None = None,
    limit: Limit = 100,
) -> StaffPageOut:
    page = queries.list_staff(
        organization=actor_of(request).organization, cursor=cursor, limit=limit
    )
    return StaffPageOut(items=[staff_out(s) for s in page.items], next_cursor=page.next_cursor)


@router.get(
    "/staff/{staff_id}", response=responses({200: StaffOut}, 404), summary="Read a staff member"
)
def get_staff(request: HttpRequest, staff_id: int) -> StaffOut:
    return staff_out(
        queries.get_staff(organization=actor_of(request).organization, staff_id=staff_id)
    )


def _team_out(team: Team) -> TeamOut:
    return TeamOut(
        id=team.pk,
        name=team.name,
        members=[Ref(id=m.pk, name=m.display_name) for m in team.members.all()],
    )


@router.get("/teams", response=responses({200: list[TeamOut]}), summary="List teams")
def list_teams(request: HttpRequest) -> list[TeamOut]:
    return [_team_out(t) for t in queries.list_teams(organization=actor_of(request).organization)]


@router.get("/teams/{team_id}", response=responses({200: TeamOut}, 404), summary="Read a team")
def get_team(request: HttpRequest, team_id: int) -> TeamOut:
    return _team_out(queries.get_team(organization=actor_of(request).organization, team_id=team_id))


@router.get("/tiers", response=responses({200: list[TierOut]}), summary="The escalation ladder")
def list_tiers(request: HttpRequest) -> list[TierOut]:
    return [
        TierOut(level=t.level, name=t.name, role=Role(t.role))
        for t in queries.list_tiers(organization=actor_of(request).organization)
    ]
