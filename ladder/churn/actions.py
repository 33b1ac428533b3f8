"""Use cases on churn codes (MT2): publish a taxonomy version, choose a case's codes,
choose the kinds that need codes before closing. Each checks its guard, writes and
records its timeline or audit row in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.cases.actions import record
from ladder.cases.models import Case, Kind
from ladder.cases.states import Status
from ladder.churn.models import CaseChurnCodes, ChurnSettings, ConfigurationChange, TaxonomyVersion
from ladder.churn.taxonomy import Category, check_tree, default_tree
from ladder.errors import Conflict, FieldError, Invalid, NotFound
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization
from ladder.tenancy.permissions import Permission

MAX_SECONDARY = 50


def _latest(organization: Organization) -> TaxonomyVersion | None:
    return TaxonomyVersion.objects.filter(organization=organization).order_by("-number").first()


def _latest_locked(
    organization: Organization, at: dt.datetime, *, for_publishing: bool = False
) -> TaxonomyVersion:
    """The organization's current version, writing the shipped default as version 1
    when there is none yet. Writing a version locks the organization's row, so that
    versions are numbered one at a time; callers are inside a transaction."""
    if not for_publishing:
        latest = _latest(organization)
        if latest is not None:
            return latest
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk").get()
    latest = _latest(organization)
    if latest is not None:
        return latest
    return TaxonomyVersion.objects.create(
        organization=organization,
        number=1,
        categories=default_tree(),
        published_by_label=_("Ladder (the default taxonomy)"),
        published_at=at,
    )


def install_default_taxonomy(*, organization: Organization) -> TaxonomyVersion:
    """Gives the organization the shipped MT2 taxonomy as version 1, unless it has a
    taxonomy already (``ladder demo``; otherwise it happens on first use)."""
    with transaction.atomic(durable=True):
        return _latest_locked(organization, timezone.now())


def publish_taxonomy(*, actor: Actor, tree: Any) -> TaxonomyVersion:
    """Publishes a new immutable version: category → reason → secondary reasons, each
    with a stable key and labels in English and Simplified Chinese. Cases keep the
    codes chosen from earlier versions as they were."""
    actor.require(Permission.CONFIGURE)
    categories = check_tree(tree)
    now = timezone.now()
    org = actor.organization
    with transaction.atomic(durable=True):
        latest = _latest_locked(org, now, for_publishing=True)
        if latest.categories == categories:
            raise Invalid.field(
                "categories",
                _("is the same as version %(number)s: nothing to publish")
                % {"number": latest.number},
            )
        version = TaxonomyVersion.objects.create(
            organization=org,
            number=latest.number + 1,
            categories=categories,
            published_by=actor.staff,
            published_by_label=actor.label,
            published_at=now,
        )
        ConfigurationChange.objects.create(
            organization=org,
            kind="churn.taxonomy_published",
            actor_staff=actor.staff,
            actor_label=actor.label,
            data={"version": version.number, "previous": latest.number},
            at=now,
        )
    return version


def set_required_kinds(*, actor: Actor, kinds: list[str]) -> list[str]:
    """Chooses the case kinds that need churn codes before closing."""
    actor.require(Permission.CONFIGURE)
    errors = [
        FieldError(
            f"kinds.{i}",
            _("must be one of %(choices)s") % {"choices": ", ".join(Kind.values)},
        )
        for i, kind in enumerate(kinds)
        if kind not in Kind.values
    ]
    if errors:
        raise Invalid(errors)
    chosen = [k for k in Kind.values if k in kinds]  # the catalogue's order, no repeats
    now = timezone.now()
    org = actor.organization
    with transaction.atomic(durable=True):
        settings, created = ChurnSettings.objects.select_for_update().get_or_create(
            organization=org, defaults={"required_kinds": chosen, "updated_at": now}
        )
        before = None if created else list(settings.required_kinds)
        if not created:
            settings.required_kinds = chosen
            settings.updated_at = now
            settings.save(update_fields=["required_kinds", "updated_at"])
        ConfigurationChange.objects.create(
            organization=org,
            kind="churn.required_kinds_set",
            actor_staff=actor.staff,
            actor_label=actor.label,
            data={"kinds": chosen, "before": before},
            at=now,
        )
    return chosen


def _choose(
    categories: list[Category], category: str, reason: str, secondary: list[str]
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """The chosen category, reason and secondary reasons from the version's tree, or
    :class:`Invalid` naming the field that is not in it."""
    found = next((c for c in categories if c["key"] == category), None)
    if found is None:
        raise Invalid.field(
            "category",
            _("“%(key)s” is not a category of your churn-code taxonomy") % {"key": category},
        )
    chosen_reason = next((r for r in found["reasons"] if r["key"] == reason), None)
    if chosen_reason is None:
        raise Invalid.field(
            "reason",
            _("“%(key)s” is not a reason of the category “%(category)s”")
            % {"key": reason, "category": found["label"]["en"]},
        )
    offered = {s["key"]: s for s in chosen_reason["secondary"]}
    errors = [
        FieldError(
            f"secondary.{i}",
            _("“%(key)s” is not a secondary reason of “%(reason)s”")
            % {"key": key, "reason": chosen_reason["label"]["en"]},
        )
        for i, key in enumerate(secondary)
        if key not in offered
    ]
    if len(set(secondary)) != len(secondary):
        errors.append(FieldError("secondary", _("names a secondary reason twice")))
    if not secondary and offered:
        errors.append(FieldError("secondary", _("choose at least one secondary reason")))
    if errors:
        raise Invalid(errors)
    picked = [dict(offered[key]) for key in secondary]
    return dict(found["label"]), dict(chosen_reason["label"]), picked


def set_case_churn_codes(
    *, actor: Actor, case_id: int, category: str, reason: str, secondary: list[str]
) -> CaseChurnCodes:
    """Records the case's churn codes (MT2) from the organization's current taxonomy
    version, with that version and the labels as they are now; replaces codes chosen
    before. A closed case keeps its codes: reopen it first."""
    actor.require(Permission.CASE_EDIT)
    if len(secondary) > MAX_SECONDARY:
        raise Invalid.field(
            "secondary", _("must have at most %(limit)s entries") % {"limit": MAX_SECONDARY}
        )
    now = timezone.now()
    org = actor.organization
    with transaction.atomic(durable=True):
        case = Case.objects.select_for_update().filter(organization=org, pk=case_id).first()
        if case is None:
            raise NotFound("case")
        if case.status == Status.CLOSED:
            raise Conflict(
                _("a closed case keeps its churn codes; reopen it to change them"),
                current=case.status,
                allowed=[s.value for s in Status if s != Status.CLOSED],
            )
        version = _latest_locked(org, now)
        category_label, reason_label, picked = _choose(
            version.categories, category, reason, secondary
        )
        previous = CaseChurnCodes.objects.filter(case=case).first()
        values: dict[str, Any] = {
            "organization": org,
            "taxonomy": version,
            "category": category,
            "category_label": category_label,
            "reason": reason,
            "reason_label": reason_label,
            "secondary": picked,
            "set_by": actor.staff,
            "set_by_label": actor.label,
            "set_at": now,
        }
        if previous is None:
            codes = CaseChurnCodes.objects.create(case=case, **values)
        else:
            for name, value in values.items():
                setattr(previous, name, value)
            previous.save()
            codes = previous
        record(
            case=case,
            actor=actor,
            kind="churn_codes.set",
            at=now,
            field="churn_codes",
            old=f"{previous.category}/{previous.reason}" if previous is not None else "",
            new=f"{category}/{reason}",
            data={
                "taxonomy_version": version.number,
                "category": {"key": category, "label": category_label},
                "reason": {"key": reason, "label": reason_label},
                "secondary": picked,
            },
        )
    return codes
