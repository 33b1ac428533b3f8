"""End-to-end in Debian's chromium on the demo data: the public form, the agent's and
the manager's work, tenancy by URL, the Chinese desk and the reply guard, with axe-core
on every main page and a screenshot of each."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command

from ladder.cases.models import Case, Interaction, TimelineEvent
from tests.browser.conftest import check_accessibility, screenshot, sign_in


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("demo", verbosity=0)


def _open_case(page: Any, reference: str) -> None:
    page.goto(f"/queues/?status=any&q={reference}")
    page.get_by_role("link", name=re.compile(reference)).first.click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))


def test_a_complaint_from_the_public_form_is_worked_up_the_ladder(
    page: Any, axe_source: str, demo: None
) -> None:
    """EB2, TD1, IN1, IN2, MT6, IN3: a customer files a complaint on the public form; an
    agent finds it in the queue, takes it, logs a call with no answer and then a reached
    call, and escalates it with a handoff summary; the manager sees it in My work,
    records the root cause and resolution and resolves it."""
    # The customer, no login.
    page.goto("/o/insurer/complaint/")
    check_accessibility(page, axe_source)
    screenshot(page, "public-form-en")
    page.locator("#id_name").fill("Chan Siu-ming")
    page.locator("#id_phone").fill("+852 5555 0101")
    page.locator("#id_description").fill(
        "My water damage claim was refused as wear and tear.\nPlease call me back."
    )
    page.locator("#id_wants_callback").check()
    page.get_by_role("button", name=re.compile("Send|Submit", re.I)).click()
    reference = re.search(r"HMI-\d{6}", page.content())
    assert reference, "the done page shows the reference number"
    ref = reference.group(0)
    screenshot(page, "public-form-done-en")

    # The agent finds it among the cases no team has yet, and takes it.
    sign_in(page, "agent@insurer")
    page.wait_for_url(re.compile("/work/"))
    check_accessibility(page, axe_source)
    screenshot(page, "my-work-agent-en")
    page.goto("/queues/?team=none")
    check_accessibility(page, axe_source)
    screenshot(page, "queues-en")
    row = page.locator("tr", has_text=ref)
    row.get_by_role("button", name=re.compile("Take")).click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(reference=ref)
    assert case.owner is not None
    assert case.owner.user.username == "agent@insurer"

    # Two calls: no answer, then reached.
    page.get_by_label("What", exact=True).select_option("contact_attempt")
    page.get_by_label("Outcome of a contact attempt").select_option("no_answer")
    page.get_by_role("button", name="Log it").click()
    page.get_by_label("What", exact=True).select_option("call")
    page.get_by_label("What was said").fill("Reached Mr Chan; he does not accept the answer.")
    page.get_by_role("button", name="Log it").click()
    assert Interaction.objects.filter(case=case).count() == 2
    check_accessibility(page, axe_source)
    screenshot(page, "case-en")
    case_url = page.url
    page.goto(f"/customers/{case.customer_id}/")
    check_accessibility(page, axe_source)
    screenshot(page, "customer-en")
    page.goto("/cases/new/")
    check_accessibility(page, axe_source)
    screenshot(page, "new-case-en")
    page.goto(case_url)

    # Escalate to the manager with the handoff summary (IN1).
    page.locator("summary", has_text="Escalate").click()
    page.get_by_label("Details of the issue").fill(
        "Claim refused as wear and tear; customer has photos of a burst pipe."
    )
    page.get_by_label("Source of the dispute").fill("Exclusion clause read as unfair.")
    page.get_by_label("New owner").select_option(index=1)
    page.get_by_role("button", name="Escalate with this summary").click()
    case.refresh_from_db()
    assert case.tier == 2
    manager = case.owner
    assert manager is not None
    event = TimelineEvent.objects.filter(case=case, kind="case.escalated").get()
    assert "burst pipe" in event.data["details"]

    # The manager sees it in My work, records root cause and resolution, resolves.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, manager.user.username)
    page.wait_for_url(re.compile("/work/"))
    escalations = page.locator("section", has=page.locator("#escalations-heading"))
    escalations.get_by_role("link", name=re.compile(ref)).click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    resolution = page.locator("details#resolution")
    if resolution.get_attribute("open") is None:
        resolution.locator("summary").click()
    page.get_by_label("Root cause").fill("Adjuster applied the wear-and-tear exclusion wrongly.")
    page.get_by_label("Resolution", exact=True).fill(
        "Claim re-assessed and paid in full; we will call you this week."
    )
    page.get_by_role("button", name="Save root cause and resolution").click()
    for move in ("Start work", "In progress"):
        button = page.get_by_role("button", name=re.compile(f"^{move}", re.I))
        if button.count():
            button.first.click()
            break
    case.refresh_from_db()
    page.get_by_role("button", name=re.compile("^Resolve", re.I)).first.click()
    case.refresh_from_db()
    assert case.status == "resolved"
    check_accessibility(page, axe_source)


def test_another_organizations_agent_cannot_open_the_case(page: Any, demo: None) -> None:
    """Tenancy: a case of the insurer is not found for the solar company's agent."""
    case = Case.objects.filter(organization__slug="insurer").first()
    assert case is not None
    sign_in(page, "agent@solar")
    page.wait_for_url(re.compile("/work/"))
    response = page.goto(f"/cases/{case.pk}/")
    assert response is not None
    assert response.status == 404
    assert case.subject not in page.content()


def test_the_reply_guard_flags_as_you_type_and_blocks_on_save(
    page: Any, axe_source: str, demo: None
) -> None:
    """ED7: the page names the phrase and the suggestion while the agent types; the
    insurer blocks, so the e-mail is refused on save."""
    case = Case.objects.filter(organization__slug="insurer", status="in_progress").first()
    assert case is not None
    sign_in(page, "manager@insurer")
    page.wait_for_url(re.compile("/work/"))
    page.goto(f"/cases/{case.pk}/")
    page.get_by_label("What", exact=True).select_option("email")
    page.get_by_label("What was said").fill("Sorry, nothing can be done about your claim.")
    guard = page.locator("#log-body-guard")
    guard.get_by_text("nothing can be done").wait_for()
    assert "Let me see what we can do" in guard.inner_text()
    before = Interaction.objects.filter(case=case).count()
    page.get_by_role("button", name="Log it").click()
    assert Interaction.objects.filter(case=case).count() == before
    assert "nothing can be done" in page.content()
    screenshot(page, "reply-guard-en")
