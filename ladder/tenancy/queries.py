"""Reads of staff, teams and tiers shared by the interfaces."""

from __future__ import annotations

from django.db.models import QuerySet

from ladder.errors import NotFound
from ladder.paging import Page, keyset_page
from ladder.tenancy.models import Organization, Staff, Team, Tier


def _staff(organization: Organization) -> QuerySet[Staff]:
    return (
        Staff.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related("role_grants", "teams", "skills")
    )


def list_staff(*, organization: Organization, cursor: str | None, limit: int) -> Page[Staff]:
    return keyset_page(
        _staff(organization), order=("display_name", "id"), cursor=cursor, limit=limit
    )


def get_staff(*, organization: Organization, staff_id: int) -> Staff:
    staff = _staff(organization).filter(pk=staff_id).first()
    if staff is None:
        raise NotFound("staff member")
    return staff


def list_teams(*, organization: Organization) -> list[Team]:
    return list(Team.objects.filter(organization=organization).prefetch_related("members"))


def get_team(*, organization: Organization, team_id: int) -> Team:
    team = (
        Team.objects.filter(organization=organization, pk=team_id)
        .prefetch_related("members")
        .first()
    )
    if team is None:
        raise NotFound("team")
    return team


def list_tiers(*, organization: Organization) -> list[Tier]:
    return list(Tier.objects.filter(organization=organization).order_by("level"))
