"""Use cases that configure an organization's desk: the reply guard (ED7)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ladder.cases.models import ForbiddenPhrase
from ladder.cases.phrases import BY_LANGUAGE
from ladder.errors import Invalid, NotFound
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, ReplyGuard
from ladder.tenancy.permissions import Permission


def add_forbidden_phrase(
    *, actor: Actor, phrase: str, suggestion: str, language: str = ""
) -> ForbiddenPhrase:
    actor.require(Permission.CONFIGURE)
    phrase = phrase.strip()
    if not phrase:
        raise Invalid.field("phrase", _("is required"))
    if len(phrase) > 200:
        raise Invalid.field("phrase", _("is longer than %(limit)s characters") % {"limit": 200})
    if not suggestion.strip():
        raise Invalid.field("suggestion", _("say what to write instead"))
    org = actor.organization
    if ForbiddenPhrase.objects.filter(organization=org, phrase__iexact=phrase).exists():
        raise Invalid.field("phrase", _("is already on the list"))
    return ForbiddenPhrase.objects.create(
        organization=org, phrase=phrase, suggestion=suggestion.strip(), language=language
    )


def remove_forbidden_phrase(*, actor: Actor, phrase_id: int) -> None:
    actor.require(Permission.CONFIGURE)
    deleted, _kinds = ForbiddenPhrase.objects.filter(
        organization=actor.organization, pk=phrase_id
    ).delete()
    if not deleted:
        raise NotFound("forbidden phrase")


def set_reply_guard(*, actor: Actor, mode: str) -> Organization:
    actor.require(Permission.CONFIGURE)
    if mode not in ReplyGuard.values:
        raise Invalid.field(
            "reply_guard",
            _("must be one of %(choices)s") % {"choices": ", ".join(ReplyGuard.values)},
        )
    org = actor.organization
    Organization.objects.filter(pk=org.pk).update(reply_guard=mode)
    org.reply_guard = mode
    return org


def load_default_phrases(*, organization: Organization, language: str) -> int:
    """Adds the shipped list for ``language`` (document 001's list, ED7); phrases the
    organization already has are kept as they are. Returns how many were added."""
    have = {
        p.casefold()
        for p in ForbiddenPhrase.objects.filter(organization=organization).values_list(
            "phrase", flat=True
        )
    }
    rows = [
        ForbiddenPhrase(
            organization=organization, phrase=phrase, suggestion=suggestion, language=language
        )
        for phrase, suggestion in BY_LANGUAGE[language]
        if phrase.casefold() not in have
    ]
    with transaction.atomic():
        ForbiddenPhrase.objects.bulk_create(rows)
    return len(rows)
