"""Use cases of the playbooks app. Each is one typed, keyword-only function; the
commands, the demo and the engine call these."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from ladder.errors import FieldError, Forbidden, Invalid, NotFound
from ladder.playbooks.format import Playbook
from ladder.playbooks.models import PlaybookVersion
from ladder.playbooks.validation import Report, check
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Tier
from ladder.tenancy.permissions import Permission

# --- versions ------------------------------------------------------------------------


def load_playbook(
    *, actor: Actor, organization: Organization, source: str, filename: str
) -> PlaybookVersion:
    """Stores a playbook file as the organization's next immutable version, if it has
    no problem on its own (the organization's teams, skills and staff are checked when
    it is activated). Loading the newest version's source again returns that version."""
    _require_manager(actor, organization)
    book = _valid(check(source, filename=filename))
    digest = hashlib.sha256(source.encode()).hexdigest()
    now = timezone.now()
    with transaction.atomic(durable=True):
        # One loader at a time per organization hands out the next number.
        Organization.objects.select_for_update().filter(pk=organization.pk).exists()
        newest = (
            PlaybookVersion.objects.filter(organization=organization).order_by("-number").first()
        )
        if newest is not None and newest.digest == digest:
            return newest
        return PlaybookVersion.objects.create(
            organization=organization,
            number=newest.number + 1 if newest is not None else 1,
            name=book.playbook,
            source=source,
            digest=digest,
            filename=filename[-255:],
            loaded_by=actor.label[:200],
            loaded_at=now,
        )


def activate_playbook(*, actor: Actor, organization: Organization, number: int) -> PlaybookVersion:
    """Makes a version the organization's active one, after checking it against the
    organization (teams, skills, who holds each tier's role). New cases run under it;
    open cases keep the version they started with. The organization's tiers become the
    playbook's ladder, so escalation on the desk climbs the same rungs."""
    _require_manager(actor, organization)
    version = PlaybookVersion.objects.filter(organization=organization, number=number).first()
    if version is None:
        raise NotFound("playbook version")
    book = _valid(
        check(version.source, filename=version.filename or version.label, organization=organization)
    )
    now = timezone.now()
    with transaction.atomic(durable=True):
        Organization.objects.select_for_update().filter(pk=organization.pk).exists()
        current = PlaybookVersion.objects.filter(organization=organization, is_active=True).first()
        if current is not None and current.pk == version.pk:
            return current
        if current is not None:
            current.is_active = False
            current.save(update_fields=["is_active"])
        version.is_active = True
        version.activated_at = now
        version.activated_by = actor.label[:200]
        version.save(update_fields=["is_active", "activated_at", "activated_by"])
        _follow_ladder(organization, book)
    return version


def _require_manager(actor: Actor, organization: Organization) -> None:
    actor.require(Permission.PLAYBOOK_MANAGE)
    if actor.organization.pk != organization.pk:
        raise Forbidden(Permission.PLAYBOOK_MANAGE.value)


def _valid(report: Report) -> Playbook:
    """The playbook of a report without problems; else every problem, by line."""
    if report.playbook is None or report.problems:
        raise Invalid(
            FieldError(
                "playbook",
                f"line {p.line}: {p.path}: {p.message}"
                if p.path
                else f"line {p.line}: {p.message}",
            )
            for p in report.problems
        )
    return report.playbook


def _follow_ladder(organization: Organization, book: Playbook) -> None:
    """The organization's Tier rows become the playbook's tiers. Levels above the new
    top are removed; a case already there keeps its level and cannot climb further."""
    language = str(organization.locale)
    existing = {t.level: t for t in Tier.objects.filter(organization=organization)}
    changed: list[Tier] = []
    added: list[Tier] = []
    for spec in book.tiers:
        name = spec.name.get(language)[:100]
        tier = existing.get(spec.level)
        if tier is None:
            added.append(
                Tier(organization=organization, level=spec.level, name=name, role=spec.role)
            )
        elif (tier.name, tier.role) != (name, spec.role):
            tier.name, tier.role = name, spec.role
            changed.append(tier)
    Tier.objects.bulk_update(changed, ["name", "role"])
    Tier.objects.bulk_create(added)
    Tier.objects.filter(organization=organization, level__gt=len(book.tiers)).delete()
