"""The reply guard (ED7): text an agent writes to a customer is checked against the
organization's forbidden phrases, as they type on the page and again on the server."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ladder.cases.models import ForbiddenPhrase
from ladder.errors import FieldError, Invalid
from ladder.tenancy.models import Organization, ReplyGuard


@dataclass(frozen=True)
class Hit:
    phrase: str
    suggestion: str
    start: int

    def message(self) -> str:
        text = _(
            "“%(phrase)s” is on the list of phrases not to use with customers. Try: %(suggestion)s"
        )
        return text % {
            "phrase": self.phrase,
            "suggestion": self.suggestion,
        }


def find_forbidden(*, organization: Organization, text: str) -> list[Hit]:
    """Every forbidden phrase in ``text``, in the order they appear."""
    folded = text.casefold()
    hits = []
    for phrase in ForbiddenPhrase.objects.filter(organization=organization):
        at = folded.find(phrase.phrase.casefold())
        if at >= 0:
            hits.append(Hit(phrase=phrase.phrase, suggestion=phrase.suggestion, start=at))
    return sorted(hits, key=lambda h: h.start)


def guard_reply(*, organization: Organization, text: str, field: str) -> list[Hit]:
    """The hits in a reply; raises :class:`Invalid` on ``field`` where the organization
    blocks them, returns them (to record as a warning) where it warns."""
    hits = find_forbidden(organization=organization, text=text)
    if hits and organization.reply_guard == ReplyGuard.BLOCK:
        raise Invalid([FieldError(field, h.message()) for h in hits])
    return hits
