"""Churn codes on the desk (MT2): the case page's panel and the close action's
refusal, and the admin's page at /settings/churn-codes/."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ladder.cases.models import Case, TimelineEvent
from ladder.churn import actions
from ladder.churn.models import CaseChurnCodes, TaxonomyVersion
from ladder.churn.taxonomy import default_tree, to_yaml
from ladder.tenancy.models import Staff
from tests.conftest import Org, new_case
from tests.test_churn import close, resolved, set_codes


def client_for(staff: Staff, language: str | None = None) -> Client:
    client = Client()
    client.force_login(staff.user)
    if language is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_the_panel_shows_for_kinds_that_need_codes_and_narrows_with_htmx(acme: Org) -> None:
    """MT2: category select → reason select → secondary checkboxes."""
    client = client_for(acme.agent)
    complaint = new_case(acme)
    assert 'id="churn-codes"' not in client.get(f"/cases/{complaint.pk}/").content.decode()
    case = new_case(acme, kind="cancellation")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="churn-codes"' in page
    assert '<option value="price">Price</option>' in page
    assert 'name="reason"' not in page
    url = f"/cases/{case.pk}/churn-codes/"
    part = client.get(url, {"category": "price"}, HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<section class="card churn-codes"')
    assert '<option value="too_expensive">Too expensive</option>' in part
    assert 'name="secondary"' not in part
    part = client.get(
        url, {"category": "price", "reason": "too_expensive"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'value="budget_cut"' in part
    assert 'value="annual_increase"' in part
    # Without a script, the same choice comes back as the whole page.
    whole = client.get(url, {"category": "price", "reason": "too_expensive"}).content.decode()
    assert "<html" in whole
    assert 'value="budget_cut"' in whole


def test_saving_codes_from_the_page_and_refusals_beside_the_field(acme: Org) -> None:
    """MT2: the page records the codes; an unknown reason is refused next to it."""
    case = new_case(acme, kind="escalation")
    client = client_for(acme.agent)
    url = f"/cases/{case.pk}/churn-codes/"
    r = client.post(url, {"category": "price", "reason": "weather"})
    assert r.status_code == 422
    assert "is not a reason of the category" in r.content.decode()
    assert not CaseChurnCodes.objects.filter(case=case).exists()
    r = client.post(
        url,
        {
            "category": "price",
            "reason": "too_expensive",
            "secondary": ["budget_cut", "annual_increase"],
        },
    )
    assert r.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Budget cut, Annual price increase" in page
    assert TimelineEvent.objects.filter(case=case, kind="churn_codes.set").exists()
    assert "Churn codes: Price → Too expensive (Budget cut, Annual price increase)" in page


def test_closing_from_the_page_without_codes_shows_the_reason(acme: Org) -> None:
    """MT2: the close action is refused (422) naming what is missing; nothing changes."""
    case = resolved(acme)
    client = client_for(acme.manager)
    r = client.post(f"/cases/{case.pk}/transition/", {"version": case.version, "to": "closed"})
    assert r.status_code == 422
    assert "Record the churn codes" in r.content.decode()
    assert Case.objects.get(pk=case.pk).status == "resolved"
    set_codes(acme, case)
    version = Case.objects.get(pk=case.pk).version
    r = client.post(f"/cases/{case.pk}/transition/", {"version": version, "to": "closed"})
    assert r.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Too expensive" in page
    assert 'id="churn-category"' not in page  # a closed case keeps its codes


def test_the_panel_speaks_chinese(acme: Org) -> None:
    """MT2: the taxonomy's Chinese labels on a Chinese desk, for the choices and the
    chosen codes."""
    case = new_case(acme, kind="refund")
    client = client_for(acme.agent, "zh-hans")
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert '<option value="price">价格</option>' in page
    set_codes(acme, case)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "价格过高" in page
    assert "预算削减" in page


def test_the_panel_costs_a_fixed_number_of_queries(acme: Org) -> None:
    """Query counts pinned: the panel's reads do not grow with secondary reasons."""
    client = client_for(acme.agent)
    few, many = new_case(acme, kind="escalation"), new_case(acme, kind="escalation")
    set_codes(acme, few)
    set_codes(acme, many, secondary=["budget_cut", "value_not_seen", "annual_increase"])

    def count(case: Case) -> int:
        client.get(f"/cases/{case.pk}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/cases/{case.pk}/").status_code == 200
        return len(ctx.captured_queries)

    assert count(few) == count(many)


def test_the_settings_page_publishes_versions_and_chooses_kinds(acme: Org) -> None:
    """MT2: admins edit the taxonomy and publish a new version; choose the kinds."""
    assert client_for(acme.manager).get("/settings/churn-codes/").status_code == 403
    client = client_for(acme.admin)
    page = client.get("/settings/churn-codes/").content.decode()
    assert "Competition" in page
    assert 'name="kinds" value="refund" checked' in page
    r = client.post("/settings/churn-codes/", {"section": "taxonomy", "taxonomy": "- key: [oops"})
    assert r.status_code == 422
    assert "is not valid YAML" in r.content.decode()
    text = to_yaml(default_tree()).replace("Too expensive", "Too pricey")
    r = client.post("/settings/churn-codes/", {"section": "taxonomy", "taxonomy": text})
    assert r.status_code == 302
    assert TaxonomyVersion.objects.get(organization=acme.org, number=2).categories[2]["reasons"][0][
        "label"
    ] == {"en": "Too pricey", "zh_hans": "价格过高"}
    r = client.post("/settings/churn-codes/", {"section": "kinds", "kinds": ["complaint"]})
    assert r.status_code == 302
    assert client.get("/settings/churn-codes/").content.decode().count("checked") == 1
    complaint = resolved(acme, "complaint")
    version = Case.objects.get(pk=complaint.pk).version
    r = client_for(acme.manager).post(
        f"/cases/{complaint.pk}/transition/", {"version": version, "to": "closed"}
    )
    assert r.status_code == 422
    assert close(acme, resolved(acme, "escalation")).status == "closed"


def test_the_settings_page_in_chinese_shows_chinese_labels(acme: Org) -> None:
    """MT2: the taxonomy in force, in the admin's language."""
    actions.install_default_taxonomy(organization=acme.org)
    page = client_for(acme.admin, "zh-hans").get("/settings/churn-codes/").content.decode()
    assert "产品/功能缺口" in page
    assert "竞争" in page
