"""The actions a rule may take, by name: each module registers its steps with
:func:`step`. A step runs inside the transaction of the event, as the engine, and
either calls a case action (which records itself) or records what it decided."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ladder.playbooks.accounts import AccountRun
    from ladder.playbooks.engine import Run

Step = Callable[["Run", Any, str], None]
STEPS: dict[str, Step] = {}
# The steps an account rule may take (no case yet): registered with account_step.
AccountStep = Callable[["AccountRun", Any, str], None]
ACCOUNT_STEPS: dict[str, AccountStep] = {}


def step(name: str) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        STEPS[name] = fn
        return fn

    return register


def account_step(name: str) -> Callable[[AccountStep], AccountStep]:
    def register(fn: AccountStep) -> AccountStep:
        ACCOUNT_STEPS[name] = fn
        return fn

    return register


def load() -> None:
    """Imports every step module so that each registers itself."""
    from ladder.playbooks.steps import (  # noqa: F401
        approval,
        assign,
        case,
        clock,
        duty,
        escalate,
        handoff,
        notify,
        outbound,
        requirement,
        retention,
        review,
        severity,
        status,
        survey,
        task,
    )
