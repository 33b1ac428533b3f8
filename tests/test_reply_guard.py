"""The reply guard (ED7): forbidden phrases in replies to customers, with the
organization's choice to warn or to block."""

from __future__ import annotations

import pytest

from ladder.cases import actions
from ladder.cases.configure import (
    add_forbidden_phrase,
    load_default_phrases,
    remove_forbidden_phrase,
    set_reply_guard,
)
from ladder.cases.guard import find_forbidden
from ladder.cases.models import ForbiddenPhrase, Interaction, TimelineEvent
from ladder.errors import Forbidden, Invalid
from tests.conftest import Api, Org, new_case


@pytest.fixture
def guarded(acme: Org) -> Org:
    load_default_phrases(organization=acme.org, language="en")
    load_default_phrases(organization=acme.org, language="zh-hans")
    return acme


def test_the_shipped_lists_come_from_document_001(guarded: Org) -> None:
    """ED7: the eleven phrases of document 001, in Chinese and in English."""
    phrases = set(ForbiddenPhrase.objects.values_list("phrase", flat=True))
    assert {"你去找消协吧", "没看我正忙着吗", "这事没办法"} <= phrases
    assert {"nothing can be done", "you are partly to blame"} <= phrases
    assert load_default_phrases(organization=guarded.org, language="en") == 0


def test_phrases_are_found_anywhere_ignoring_case(guarded: Org) -> None:
    """ED7, in English and in Chinese (no word boundaries in Chinese)."""
    hits = find_forbidden(organization=guarded.org, text="Sorry, NOTHING CAN BE DONE today.")
    assert [h.phrase for h in hits] == ["nothing can be done"]
    assert hits[0].suggestion.startswith("Let me see")
    zh = find_forbidden(organization=guarded.org, text="家长您好，这事没办法，你去找消协吧。")
    assert [h.phrase for h in zh] == ["这事没办法", "你去找消协吧"]


def test_warn_mode_saves_the_reply_and_records_the_warning(guarded: Org, api: Api) -> None:
    """ED7: in warn mode the agent decides; the timeline keeps the warning."""
    case = new_case(guarded)
    r = api.post(
        f"cases/{case.pk}/interactions",
        {"kind": "email", "body": "I'm afraid nothing can be done about the fee."},
    )
    assert r.status_code == 201
    event = TimelineEvent.objects.filter(case=case).latest("id")
    assert event.data["reply_guard_warnings"] == ["nothing can be done"]


def test_block_mode_refuses_the_reply_naming_the_phrase(guarded: Org, api: Api) -> None:
    """ED7: where the organization blocks, the reply is not saved."""
    set_reply_guard(actor=guarded.actor(guarded.admin), mode="block")
    case = new_case(guarded)
    r = api.post(f"cases/{case.pk}/interactions", {"kind": "chat", "body": "你去找消协吧"})
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == "body"
    assert "你去找消协吧" in error["message"]
    assert "这件事由我们负责处理" in error["message"]
    assert Interaction.objects.filter(case=case).count() == 0


def test_only_replies_to_the_customer_are_guarded(guarded: Org, api: Api) -> None:
    """An internal note may quote what the customer was told."""
    set_reply_guard(actor=guarded.actor(guarded.admin), mode="block")
    case = new_case(guarded)
    note = {"kind": "note", "body": "Customer says the tutor told her nothing can be done."}
    assert api.post(f"cases/{case.pk}/interactions", note).status_code == 201
    inbound = {"kind": "email", "direction": "inbound", "body": "You said nothing can be done!"}
    assert api.post(f"cases/{case.pk}/interactions", inbound).status_code == 201


def test_the_resolution_message_is_guarded_too(guarded: Org, api: Api) -> None:
    set_reply_guard(actor=guarded.actor(guarded.admin), mode="block")
    case = new_case(guarded)
    r = api.patch(
        f"cases/{case.pk}", {"resolution": "You are partly to blame for this."}, if_match='"1"'
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "resolution"


def test_only_admins_configure_the_guard(guarded: Org) -> None:
    with pytest.raises(Forbidden):
        set_reply_guard(actor=guarded.actor(guarded.agent), mode="block")
    with pytest.raises(Forbidden):
        add_forbidden_phrase(actor=guarded.actor(guarded.agent), phrase="x", suggestion="y")
    admin = guarded.actor(guarded.admin)
    phrase = add_forbidden_phrase(actor=admin, phrase="Calm down", suggestion="I hear you.")
    with pytest.raises(Invalid):
        add_forbidden_phrase(actor=admin, phrase="calm down", suggestion="dup")
    with pytest.raises(Invalid):
        set_reply_guard(actor=admin, mode="shout")
    remove_forbidden_phrase(actor=admin, phrase_id=phrase.pk)
    assert not ForbiddenPhrase.objects.filter(pk=phrase.pk).exists()


def test_the_public_form_creates_customer_and_case(acme: Org) -> None:
    """TD1, EB2: a complaint from the web form is a case on the web-form channel."""
    case = actions.file_public_complaint(
        organization=acme.org,
        name="Mrs Lee",
        email="lee@example.com",
        phone="+1 555 0100",
        description="My son's tutor missed two sessions.\nPlease call me.",
        wants_callback=True,
    )
    assert case.channel == "web_form"
    assert case.subject == "My son's tutor missed two sessions."
    assert case.customer.contacts.get().email == "lee@example.com"
    event = TimelineEvent.objects.get(case=case)
    assert event.actor_label == "engine (public complaint form)"
    with pytest.raises(Invalid) as exc:
        actions.file_public_complaint(
            organization=acme.org, name="", email="", phone="", description="", wants_callback=True
        )
    assert {e.field for e in exc.value.errors} >= {"name", "description", "email", "phone"}
