"""The case state machine: the one table of allowed moves. Only
:func:`ladder.cases.actions.transition_case` writes ``Case.status``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_CUSTOMER = "awaiting_customer", _("Awaiting customer")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


S = Status
ALLOWED: dict[Status, frozenset[Status]] = {
    # A front-line answer the customer accepts resolves the case on first contact (IN1).
    S.NEW: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.AWAITING_CUSTOMER, S.AWAITING_APPROVAL, S.RESOLVED}),
    S.AWAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.AWAITING_APPROVAL: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    # Reopen: the customer does not accept the answer, or the promise was not kept.
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset({S.IN_PROGRESS}),
}

OPEN: frozenset[Status] = frozenset(
    {S.NEW, S.IN_PROGRESS, S.AWAITING_CUSTOMER, S.AWAITING_APPROVAL}
)
# Moves that need the close permission rather than the edit permission.
CLOSING: frozenset[tuple[Status, Status]] = frozenset(
    {(S.RESOLVED, S.CLOSED), (S.RESOLVED, S.IN_PROGRESS), (S.CLOSED, S.IN_PROGRESS)}
)


def can_move(current: Status, target: Status) -> bool:
    return target in ALLOWED[current]
