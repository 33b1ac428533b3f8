"""Churn codes (MT2): the versioned taxonomy, the codes on a case, the close gate per
case kind, the API and the breakdown query."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from ladder.cases import actions as case_actions
from ladder.cases.models import Case, TimelineEvent
from ladder.churn import actions, queries
from ladder.churn.models import CaseChurnCodes, TaxonomyVersion
from ladder.churn.taxonomy import default_tree
from ladder.errors import Conflict, Forbidden, Invalid
from tests.conftest import Api, Org, new_case

CODES = {"category": "price", "reason": "too_expensive", "secondary": ["budget_cut"]}


def resolved(o: Org, kind: str = "escalation") -> Case:
    """A case of the kind, resolved (TD1 fields recorded), ready to close."""
    case = new_case(o, kind=kind)
    case = case_actions.update_case(
        actor=o.actor(),
        case_id=case.pk,
        expected_version=case.version,
        changes={"root_cause": "Budget cut", "resolution": "Offered a smaller plan"},
    )
    return case_actions.transition_case(
        actor=o.actor(), case_id=case.pk, expected_version=case.version, to="resolved"
    )


def close(o: Org, case: Case) -> Case:
    version = Case.objects.get(pk=case.pk).version
    return case_actions.transition_case(
        actor=o.actor(o.manager), case_id=case.pk, expected_version=version, to="closed"
    )


def set_codes(o: Org, case: Case, **codes: Any) -> CaseChurnCodes:
    values = {**CODES, **codes}
    return actions.set_case_churn_codes(actor=o.actor(), case_id=case.pk, **values)


def renamed(tree: list[Any], en: str, zh: str) -> list[Any]:
    """The tree with the label of price / too_expensive changed."""
    tree = copy.deepcopy(tree)
    price = next(c for c in tree if c["key"] == "price")
    price["reasons"][0]["label"] = {"en": en, "zh_hans": zh}
    return tree


# --- the default taxonomy --------------------------------------------------------------


def test_every_organization_starts_from_the_mt2_taxonomy_in_english_and_chinese(
    acme: Org,
) -> None:
    """MT2: the five categories of the source, each with reasons and secondary reasons,
    every label in English and Simplified Chinese; version 1 before anything is written."""
    taxonomy = queries.current_taxonomy(organization=acme.org)
    assert taxonomy.version == 1
    assert taxonomy.published_at is None
    assert [c["key"] for c in taxonomy.categories] == [
        "product",
        "service",
        "price",
        "customer_change",
        "competition",
    ]
    for category in taxonomy.categories:
        assert category["reasons"]
        for reason in category["reasons"]:
            assert reason["secondary"]
            for item in (category, reason, *reason["secondary"]):
                assert item["label"]["en"]
                assert item["label"]["zh_hans"]
    assert taxonomy.category("price") is not None
    assert taxonomy.categories[2]["label"]["zh_hans"] == "价格"


def test_the_default_is_written_as_version_1_on_first_use_and_by_the_demo(acme: Org) -> None:
    """MT2: the shipped taxonomy becomes the organization's version 1."""
    assert not TaxonomyVersion.objects.filter(organization=acme.org).exists()
    version = actions.install_default_taxonomy(organization=acme.org)
    assert version.number == 1
    assert version.categories == default_tree()
    assert actions.install_default_taxonomy(organization=acme.org).pk == version.pk


# --- publishing versions ---------------------------------------------------------------


def test_publishing_makes_a_new_immutable_version_and_a_closed_case_keeps_its_codes(
    acme: Org,
) -> None:
    """MT2: editing the taxonomy does not change a closed case's codes: they keep the
    version and the labels, in both languages, as they were chosen."""
    case = resolved(acme)
    set_codes(acme, case)
    close(acme, case)
    before = CaseChurnCodes.objects.get(case=case)
    assert before.taxonomy.number == 1
    tree = renamed(default_tree(), "Far too expensive", "太贵了")
    version = actions.publish_taxonomy(actor=acme.actor(acme.admin), tree=tree)
    assert version.number == 2
    assert queries.current_taxonomy(organization=acme.org).version == 2
    after = CaseChurnCodes.objects.get(case=case)
    assert after.taxonomy.number == 1
    assert after.reason_label == {"en": "Too expensive", "zh_hans": "价格过高"}
    assert TaxonomyVersion.objects.get(organization=acme.org, number=1).categories == (
        default_tree()
    )
    with pytest.raises(Conflict):
        set_codes(acme, case, reason="billing", secondary=["invoice_errors"])
    # Reopened, the case is coded again from the version in force.
    case_actions.transition_case(
        actor=acme.actor(acme.manager),
        case_id=case.pk,
        expected_version=Case.objects.get(pk=case.pk).version,
        to="in_progress",
    )
    codes = set_codes(acme, case)
    assert codes.taxonomy.number == 2
    assert codes.reason_label == {"en": "Far too expensive", "zh_hans": "太贵了"}


def test_only_admins_publish_and_a_bad_tree_names_every_bad_place(acme: Org) -> None:
    """MT2: the taxonomy is the admin's (configure); nothing is half-written."""
    with pytest.raises(Forbidden):
        actions.publish_taxonomy(actor=acme.actor(acme.manager), tree=default_tree())
    tree: list[Any] = [
        {
            "key": "Bad Key",
            "label": {"en": "Price", "zh_hans": ""},
            "reasons": [
                {"key": "a", "label": {"en": "A", "zh_hans": "甲"}, "secondary": []},
                {
                    "key": "a",
                    "label": {"en": "B", "zh_hans": "乙"},
                    "secondary": [{"key": "x", "label": {"en": "X", "zh_hans": "X"}}],
                },
            ],
        }
    ]
    with pytest.raises(Invalid) as refused:
        actions.publish_taxonomy(actor=acme.actor(acme.admin), tree=tree)
    fields = {e.field for e in refused.value.errors}
    assert fields == {
        "categories.0.key",
        "categories.0.label.zh_hans",
        "categories.0.reasons.0.secondary",
        "categories.0.reasons.1.key",
    }
    with pytest.raises(Invalid) as same:
        actions.publish_taxonomy(actor=acme.actor(acme.admin), tree=default_tree())
    assert same.value.errors[0].field == "categories"
    assert not TaxonomyVersion.objects.filter(organization=acme.org).exists()


# --- codes on a case -------------------------------------------------------------------


def test_codes_are_recorded_on_the_timeline_with_the_version_and_labels(acme: Org) -> None:
    """MT2: category → reason → multi-select secondary reasons, on the timeline."""
    case = new_case(acme, kind="cancellation")
    set_codes(acme, case, secondary=["budget_cut", "annual_increase"])
    event = TimelineEvent.objects.get(case=case, kind="churn_codes.set")
    assert event.data["taxonomy_version"] == 1
    assert event.data["reason"] == {
        "key": "too_expensive",
        "label": {"en": "Too expensive", "zh_hans": "价格过高"},
    }
    assert [s["key"] for s in event.data["secondary"]] == ["budget_cut", "annual_increase"]
    assert event.actor_staff == acme.agent


@pytest.mark.parametrize(
    ("codes", "field"),
    [
        ({"category": "weather"}, "category"),
        ({"reason": "billing_cycle"}, "reason"),
        ({"reason": "billing", "secondary": ["budget_cut"]}, "secondary.0"),
        ({"secondary": []}, "secondary"),
        ({"secondary": ["budget_cut", "budget_cut"]}, "secondary"),
    ],
)
def test_unknown_codes_are_refused_naming_the_field(
    acme: Org, codes: dict[str, Any], field: str
) -> None:
    """MT2: a code must be in the case's taxonomy version, a reason in its category,
    a secondary reason in its reason."""
    case = new_case(acme, kind="escalation")
    with pytest.raises(Invalid) as refused:
        set_codes(acme, case, **codes)
    assert field in {e.field for e in refused.value.errors}
    assert not CaseChurnCodes.objects.filter(case=case).exists()
    assert not TimelineEvent.objects.filter(case=case, kind="churn_codes.set").exists()


def test_codes_from_another_organizations_taxonomy_are_refused(acme: Org, other: Org) -> None:
    """MT2, tenancy: each organization has its own taxonomy; another's keys are unknown."""
    tree = [
        *default_tree(),
        {
            "key": "vendor_lockin",
            "label": {"en": "Vendor lock-in", "zh_hans": "供应商锁定"},
            "reasons": [
                {
                    "key": "contract",
                    "label": {"en": "Contract", "zh_hans": "合同"},
                    "secondary": [{"key": "term", "label": {"en": "Term", "zh_hans": "期限"}}],
                }
            ],
        },
    ]
    actions.publish_taxonomy(actor=other.actor(other.admin), tree=tree)
    theirs = new_case(other, kind="escalation")
    set_codes(other, theirs, category="vendor_lockin", reason="contract", secondary=["term"])
    mine = new_case(acme, kind="escalation")
    with pytest.raises(Invalid) as refused:
        set_codes(acme, mine, category="vendor_lockin", reason="contract", secondary=["term"])
    assert refused.value.errors[0].field == "category"


# --- closing ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["escalation", "cancellation", "refund", "downgrade"])
def test_closing_a_kind_that_needs_codes_without_them_is_refused(acme: Org, kind: str) -> None:
    """MT2: recorded on every escalation or cancellation (and, by default, refund and
    downgrade) before closing; nothing changes."""
    case = resolved(acme, kind)
    with pytest.raises(Invalid) as refused:
        close(acme, case)
    assert [e.field for e in refused.value.errors] == ["churn_codes"]
    assert Case.objects.get(pk=case.pk).status == "resolved"
    set_codes(acme, case)
    assert close(acme, case).status == "closed"


def test_kinds_not_requiring_codes_close_freely_and_the_kinds_are_configurable(
    acme: Org,
) -> None:
    """MT2: which kinds need codes is the organization's choice."""
    complaint = resolved(acme, "complaint")
    assert close(acme, complaint).status == "closed"
    with pytest.raises(Forbidden):
        actions.set_required_kinds(actor=acme.actor(acme.manager), kinds=["complaint"])
    with pytest.raises(Invalid) as refused:
        actions.set_required_kinds(actor=acme.actor(acme.admin), kinds=["nonsense"])
    assert refused.value.errors[0].field == "kinds.0"
    chosen = actions.set_required_kinds(
        actor=acme.actor(acme.admin), kinds=["complaint", "escalation", "complaint"]
    )
    assert chosen == ["complaint", "escalation"]
    with pytest.raises(Invalid):
        close(acme, resolved(acme, "complaint"))
    assert close(acme, resolved(acme, "refund")).status == "closed"


def test_the_close_gate_costs_no_query_short_of_closing(
    acme: Org, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """Query counts pinned: the gate reads the required kinds and the codes, on close only."""
    from ladder.churn.gates import missing_churn_codes

    case = resolved(acme)
    with django_assert_num_queries(0):
        assert missing_churn_codes(case, "in_progress") == []
    with django_assert_num_queries(2):
        assert [e.field for e in missing_churn_codes(case, "closed")] == ["churn_codes"]


# --- the API ---------------------------------------------------------------------------


def test_the_api_closes_only_with_codes_and_names_the_field(acme: Org) -> None:
    """MT2 on the API: 422 naming churn_codes, then PUT the codes and close."""
    case = resolved(acme)
    api = Api(acme.manager)
    r = api.post(f"cases/{case.pk}/transition", {"to": "closed"}, if_match=f'"{case.version}"')
    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["churn_codes"]
    assert Case.objects.get(pk=case.pk).status == "resolved"
    r = api.get(f"cases/{case.pk}/churn-codes")
    assert r.json() == {"case_id": case.pk, "required": True, "codes": None}
    r = api.put(f"cases/{case.pk}/churn-codes", {"category": "price", "reason": "nope"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["reason"]
    r = api.put(f"cases/{case.pk}/churn-codes", CODES)
    assert r.status_code == 200, r.content
    codes = r.json()["codes"]
    assert codes["taxonomy_version"] == 1
    assert codes["reason"] == {
        "key": "too_expensive",
        "label": "Too expensive",
        "en": "Too expensive",
        "zh_hans": "价格过高",
    }
    r = api.post(f"cases/{case.pk}/transition", {"to": "closed"}, if_match=f'"{case.version}"')
    assert r.status_code == 200, r.content
    r = api.put(f"cases/{case.pk}/churn-codes", CODES)
    assert r.status_code == 409


def test_the_api_speaks_chinese_labels(acme: Org) -> None:
    """MT2: labels in Simplified Chinese for a Chinese-speaking client."""
    case = new_case(acme, kind="refund")
    set_codes(acme, case)
    r = Api(acme.agent).get(f"cases/{case.pk}/churn-codes", **{"Accept-Language": "zh-hans"})
    assert r.json()["codes"]["category"]["label"] == "价格"
    assert r.json()["codes"]["secondary"][0]["label"] == "预算削减"


def test_the_api_publishes_versions_and_sets_required_kinds_for_admins_only(acme: Org) -> None:
    """MT2: GET the taxonomy with its version; POST a new version; the required kinds."""
    admin, manager = Api(acme.admin), Api(acme.manager)
    r = manager.get("churn-codes/taxonomy")
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == 1
    body["categories"] = renamed(body["categories"], "Too pricey", "太贵")
    assert manager.post("churn-codes/taxonomy", {"categories": body["categories"]}).status_code == (
        403
    )
    r = admin.post("churn-codes/taxonomy", {"categories": body["categories"]})
    assert r.status_code == 201, r.content
    assert r.json()["version"] == 2
    assert r.json()["published_by"].startswith(acme.admin.display_name + " via token ")
    r = admin.post("churn-codes/taxonomy", {"categories": []})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "categories"
    assert manager.get("churn-codes/required-kinds").json() == {
        "kinds": ["escalation", "cancellation", "refund", "downgrade"]
    }
    assert manager.put("churn-codes/required-kinds", {"kinds": ["refund"]}).status_code == 403
    r = admin.put("churn-codes/required-kinds", {"kinds": ["refund", "level_change"]})
    assert r.json() == {"kinds": ["refund", "level_change"]}
    assert admin.put("churn-codes/required-kinds", {"kinds": ["x"]}).status_code == 422


def test_reading_a_cases_codes_costs_a_fixed_number_of_queries(
    acme: Org, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """Query counts pinned: the case, the required kinds, the codes."""
    case = new_case(acme, kind="escalation")
    set_codes(acme, case, secondary=["budget_cut", "value_not_seen", "annual_increase"])
    with django_assert_num_queries(3):
        view = queries.case_churn(organization=acme.org, case_id=case.pk)
    assert view.codes is not None
    assert len(view.codes.secondary) == 3


# --- reports ---------------------------------------------------------------------------


def test_churn_breakdown_counts_closed_cases_per_category_and_reason(
    acme: Org, other: Org, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """MT2, TD2: where cancellations come from, per category and reason, for the window."""
    since = timezone.now() - dt.timedelta(hours=1)
    for _ in range(2):
        case = resolved(acme)
        set_codes(acme, case)
        close(acme, case)
    case = resolved(acme, "cancellation")
    set_codes(acme, case, category="competition", reason="in_house", secondary=["self_study"])
    close(acme, case)
    still_open = new_case(acme, kind="escalation")
    set_codes(acme, still_open)
    theirs = resolved(other)
    set_codes(other, theirs)
    close(other, theirs)
    # Relabelled after the fact: the report names the pair by the newest version's label.
    actions.publish_taxonomy(
        actor=acme.actor(acme.admin), tree=renamed(default_tree(), "Too pricey", "太贵")
    )
    case = resolved(acme)
    set_codes(acme, case)
    close(acme, case)
    until = timezone.now() + dt.timedelta(seconds=1)
    with django_assert_num_queries(2):
        rows = queries.churn_breakdown(organization=acme.org, since=since, until=until)
    assert [(r.category, r.reason, r.cases) for r in rows] == [
        ("price", "too_expensive", 3),
        ("competition", "in_house", 1),
    ]
    assert rows[0].reason_label["en"] == "Too pricey"
    assert rows[1].category_label["zh_hans"] == "竞争"
    assert queries.churn_breakdown(organization=acme.org, since=until, until=until) == []
    with pytest.raises(Invalid):
        queries.churn_breakdown(organization=acme.org, since=dt.datetime(2026, 1, 1), until=until)
