"""Reads the API, the pages, the gate and reports share: the current taxonomy, the
kinds that need codes, a case's codes and the churn breakdown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from ladder.cases.models import Case, TimelineEvent
from ladder.cases.states import Status
from ladder.churn.models import CaseChurnCodes, ChurnSettings, TaxonomyVersion
from ladder.churn.taxonomy import Category, Label, Reason, default_tree
from ladder.errors import NotFound
from ladder.tenancy.models import Organization
from ladder.timeutil import require_aware

# Closing these kinds needs churn codes unless the organization chose otherwise (MT2:
# "recorded on every escalation or cancellation"; refunds and downgrades are both).
DEFAULT_REQUIRED_KINDS: tuple[str, ...] = ("escalation", "cancellation", "refund", "downgrade")


@dataclass(frozen=True)
class Taxonomy:
    """The organization's taxonomy in force. Before anyone publishes or codes a case,
    it is the shipped default, which becomes version 1 when first written."""

    version: int
    categories: list[Category]
    published_at: dt.datetime | None
    published_by: str

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c["key"] == key), None)

    def reason(self, category: str, key: str) -> Reason | None:
        found = self.category(category)
        if found is None:
            return None
        return next((r for r in found["reasons"] if r["key"] == key), None)


def _taxonomy(version: TaxonomyVersion) -> Taxonomy:
    return Taxonomy(
        version=version.number,
        categories=version.categories,
        published_at=version.published_at,
        published_by=version.published_by_label,
    )


def current_taxonomy(*, organization: Organization) -> Taxonomy:
    """One query."""
    version = TaxonomyVersion.objects.filter(organization=organization).order_by("-number").first()
    if version is None:
        return Taxonomy(version=1, categories=default_tree(), published_at=None, published_by="")
    return _taxonomy(version)


@dataclass(frozen=True)
class VersionSummary:
    number: int
    published_at: dt.datetime
    published_by: str


def taxonomy_history(*, organization: Organization) -> list[VersionSummary]:
    """Every published version, newest first (one query)."""
    rows = (
        TaxonomyVersion.objects.filter(organization=organization)
        .order_by("-number")
        .values_list("number", "published_at", "published_by_label")
    )
    return [VersionSummary(number=n, published_at=at, published_by=by) for n, at, by in rows]


def required_kinds(*, organization_id: int) -> list[str]:
    """The case kinds that need churn codes before closing (one query)."""
    kinds = (
        ChurnSettings.objects.filter(organization_id=organization_id)
        .values_list("required_kinds", flat=True)
        .first()
    )
    return list(DEFAULT_REQUIRED_KINDS) if kinds is None else list(kinds)


@dataclass(frozen=True)
class Code:
    key: str
    label: Label


@dataclass(frozen=True)
class CaseCodes:
    """The codes chosen on a case, with the labels as they were when chosen."""

    taxonomy_version: int
    category: Code
    reason: Code
    secondary: list[Code]
    set_by: str
    set_at: dt.datetime


def codes_of(row: CaseChurnCodes, taxonomy_version: int) -> CaseCodes:
    return CaseCodes(
        taxonomy_version=taxonomy_version,
        category=Code(row.category, row.category_label),
        reason=Code(row.reason, row.reason_label),
        secondary=[Code(s["key"], s["label"]) for s in row.secondary],
        set_by=row.set_by_label,
        set_at=row.set_at,
    )


def codes_on(case: Case) -> CaseCodes | None:
    """The case's codes, or None (one query)."""
    found = (
        CaseChurnCodes.objects.filter(case_id=case.pk)
        .select_related("taxonomy")
        .defer("taxonomy__categories")
        .first()
    )
    return codes_of(found, found.taxonomy.number) if found is not None else None


@dataclass(frozen=True)
class CaseChurn:
    case_id: int
    kind: str
    status: str
    required: bool
    codes: CaseCodes | None


def case_churn(*, organization: Organization, case_id: int) -> CaseChurn:
    """Whether the case needs codes before closing, and the codes it has (three
    queries); another organization's case is not found."""
    case = Case.objects.filter(organization=organization, pk=case_id).only("kind", "status").first()
    if case is None:
        raise NotFound("case")
    return CaseChurn(
        case_id=case.pk,
        kind=case.kind,
        status=case.status,
        required=case.kind in required_kinds(organization_id=organization.pk),
        codes=codes_on(case),
    )


@dataclass(frozen=True)
class BreakdownRow:
    category: str
    category_label: Label
    reason: str
    reason_label: Label
    cases: int


def churn_breakdown(
    *, organization: Organization, since: dt.datetime, until: dt.datetime
) -> list[BreakdownRow]:
    """Closed cases per churn category and reason: the cases closed in
    ``[since, until)`` that are still closed, most frequent first. Labels come from
    the newest version that chose each pair (two queries)."""
    require_aware(since, "since")
    require_aware(until, "until")
    closed_in_window = TimelineEvent.objects.filter(
        case_id=OuterRef("case_id"),
        kind="case.closed",
        created_at__gte=since,
        created_at__lt=until,
    )
    groups = list(
        CaseChurnCodes.objects.filter(organization=organization, case__status=Status.CLOSED)
        .filter(Exists(closed_in_window))
        .values_list("category", "reason", "taxonomy_id")
        .annotate(cases=Count("id"))
        .order_by()
    )
    versions = {
        v.pk: v
        for v in TaxonomyVersion.objects.filter(pk__in={g[2] for g in groups}).only(
            "number", "categories"
        )
    }
    counts: dict[tuple[str, str], int] = {}
    labels: dict[tuple[str, str], tuple[int, Label, Label]] = {}
    for category, reason, version_id, cases in groups:
        pair = (category, reason)
        counts[pair] = counts.get(pair, 0) + cases
        version = versions[version_id]
        if pair in labels and labels[pair][0] > version.number:
            continue
        taxonomy = _taxonomy_of(version)
        found_category = taxonomy.category(category)
        found_reason = taxonomy.reason(category, reason)
        if found_category is not None and found_reason is not None:
            labels[pair] = (version.number, found_category["label"], found_reason["label"])
    rows = [
        BreakdownRow(
            category=category,
            category_label=labels[(category, reason)][1],
            reason=reason,
            reason_label=labels[(category, reason)][2],
            cases=cases,
        )
        for (category, reason), cases in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r.cases, r.category, r.reason))


def _taxonomy_of(version: TaxonomyVersion) -> Taxonomy:
    return Taxonomy(
        version=version.number, categories=version.categories, published_at=None, published_by=""
    )
