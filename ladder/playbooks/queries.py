"""Reads of playbook versions that several interfaces share."""

from __future__ import annotations

from dataclasses import dataclass

from ladder.errors import NotFound
from ladder.playbooks.models import PlaybookVersion
from ladder.tenancy.models import Organization


@dataclass(frozen=True)
class VersionPage:
    """One version with its source (the active one when no number is asked for, or
    None when none is active) and every version of the organization, newest first."""

    version: PlaybookVersion | None
    history: list[PlaybookVersion]


def version_page(*, organization: Organization, number: int | None = None) -> VersionPage:
    """Two queries: the history without sources, then the one version's source."""
    history = list(
        PlaybookVersion.objects.filter(organization=organization)
        .defer("source")
        .order_by("-number")
    )
    chosen = next(
        (v for v in history if (v.number == number if number is not None else v.is_active)),
        None,
    )
    if chosen is None:
        if number is not None:
            raise NotFound("playbook version")
        return VersionPage(None, history)
    version = PlaybookVersion.objects.get(pk=chosen.pk)
    return VersionPage(version, history)
