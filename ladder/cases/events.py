"""Where a case's changes meet the playbook engine, without cases importing it.

The actions in this app call :func:`emit` inside the transaction of each change, and
:func:`unmet_requirements` before a status change. The playbooks app registers the
engine here when Django starts (``PlaybooksConfig.ready``). With nothing registered,
as in an installation without playbooks, both do nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ladder.errors import FieldError

if TYPE_CHECKING:
    from ladder.cases.models import Case
    from ladder.tenancy.actors import Actor


@dataclass(frozen=True)
class CaseEvent:
    """Something happened to a case: a trigger name from the playbook format (e.g.
    ``case.created``, ``interaction.logged``) and what the trigger's rules may read."""

    case: Case
    trigger: str
    actor: Actor
    at: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[CaseEvent], None]
Gatekeeper = Callable[["Case", str], list[FieldError]]

_listeners: list[Listener] = []
_gatekeepers: list[Gatekeeper] = []


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def guard_transitions(gatekeeper: Gatekeeper) -> None:
    if gatekeeper not in _gatekeepers:
        _gatekeepers.append(gatekeeper)


def emit(event: CaseEvent) -> None:
    for listener in _listeners:
        listener(event)


def unmet_requirements(case: Case, to_status: str) -> list[FieldError]:
    """What the playbook still requires before the case may move to ``to_status``."""
    return [error for gatekeeper in _gatekeepers for error in gatekeeper(case, to_status)]
