"""Conditions are data, never code: a field, an operator and a value, combined with
all / any / not. Operators are a registry; the fields a condition may read are listed
here, so that validation and the docs can name them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Sum

from ladder.playbooks.format import AllOf, AnyOf, Compare, Condition, NotOf

if TYPE_CHECKING:
    from ladder.customers.models import Customer, Program
    from ladder.playbooks.accounts import AccountRun
    from ladder.playbooks.engine import Run


class Subject(Protocol):
    """What a customer field reads: a case run or an account run, both of which know
    their customer."""

    @property
    def customer(self) -> Customer: ...


@dataclass(frozen=True)
class ProgramAt:
    """What a program field reads: the program, at the instant of the event (the
    schedule's tick), so "days since the last session" means since then."""

    program: Program
    at: dt.datetime


Operator = Callable[[Any, Any], bool]
OPERATORS: dict[str, Operator] = {}


def operator(name: str) -> Callable[[Operator], Operator]:
    def register(fn: Operator) -> Operator:
        OPERATORS[name] = fn
        return fn

    return register


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _ordered(test: Callable[[Decimal, Decimal], bool]) -> Operator:
    def compare(actual: Any, expected: Any) -> bool:
        left, right = _number(actual), _number(expected)
        return left is not None and right is not None and test(left, right)

    return compare


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, int | Decimal) and not isinstance(actual, bool):
        return _number(expected) == actual
    return str(actual if actual is not None else "") == str(
        expected if expected is not None else ""
    )


operator("eq")(_same)
operator("ne")(lambda actual, expected: not _same(actual, expected))
operator("in")(lambda actual, expected: any(_same(actual, e) for e in (expected or [])))
operator("not_in")(lambda actual, expected: not any(_same(actual, e) for e in (expected or [])))
operator("gt")(_ordered(lambda a, b: a > b))
operator("gte")(_ordered(lambda a, b: a >= b))
operator("lt")(_ordered(lambda a, b: a < b))
operator("lte")(_ordered(lambda a, b: a <= b))
operator("is_set")(lambda actual, _expected: actual not in (None, "", [], {}))
operator("is_empty")(lambda actual, _expected: actual in (None, "", [], {}))


@operator("contains")
def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list | tuple | set | frozenset):
        return any(_same(item, expected) for item in actual)
    return str(expected).lower() in str(actual or "").lower()


# What `case.*` and `customer.*` may name, and how to read it.
CASE_FIELDS: dict[str, Callable[[Run], Any]] = {
    "kind": lambda r: r.case.kind,
    "channel": lambda r: r.case.channel,
    "category": lambda r: r.case.category,
    "severity": lambda r: r.case.severity,
    "status": lambda r: r.case.status,
    "tier": lambda r: r.case.tier,
    "subject": lambda r: r.case.subject,
    "description": lambda r: r.case.description,
    "request_type": lambda r: r.case.request_type,
    "root_cause": lambda r: r.case.root_cause,
    "resolution": lambda r: r.case.resolution,
    "outcome": lambda r: r.case.outcome,
    "money_at_stake": lambda r: r.case.money_at_stake.amount if r.case.money_at_stake else None,
    "has_owner": lambda r: r.case.owner_id is not None,
    "team": lambda r: r.case.team.name if r.case.team is not None else "",
}
# Other apps add fields here from their AppConfig.ready() (the health score, say);
# validation reads these dicts as they are, so a registered field is a known field.
CUSTOMER_FIELDS: dict[str, Callable[[Subject], Any]] = {
    "name": lambda r: r.customer.name,
    "mrr": lambda r: r.customer.mrr.amount if r.customer.mrr else None,
    "contract_value": lambda r: (
        r.customer.contract_value.amount if r.customer.contract_value else None
    ),
    "products": lambda r: [p.name for p in r.customer.products.all()],
    "has_owner": lambda r: r.customer.owner_id is not None,
    "open_cases": lambda r: r.customer.cases.exclude(status__in=["resolved", "closed"]).count(),
    # ED5: lessons delivered across the customer's programs (a refund within the first 6).
    "sessions_delivered": lambda r: (
        r.customer.programs.aggregate(total=Sum("delivered"))["total"] or Decimal(0)
    ),
}
# `program.*`: read in the rules of a `for: programs` schedule, where the run has a
# program; elsewhere a program field reads as empty.
PROGRAM_FIELDS: dict[str, Callable[[ProgramAt], Any]] = {
    "name": lambda p: p.program.name,
    "unit": lambda p: p.program.unit,
    "purchased": lambda p: p.program.purchased,
    "delivered": lambda p: p.program.delivered,
    "unused": lambda p: max(p.program.purchased - p.program.delivered, Decimal(0)),
    "cohort": lambda p: p.program.cohort,
}


def value_of(field: str, run: Run | AccountRun) -> Any:
    from ladder.playbooks.engine import Run

    scope, _, name = field.partition(".")
    if scope == "customer":
        return CUSTOMER_FIELDS[name](run) if name in CUSTOMER_FIELDS else None
    if scope == "event":
        return run.event.data.get(name)
    if not isinstance(run, Run):
        program = run.program
        if scope == "program" and program is not None and name in PROGRAM_FIELDS:
            return PROGRAM_FIELDS[name](ProgramAt(program=program, at=run.at))
        return None
    if scope == "case":
        return CASE_FIELDS[name](run) if name in CASE_FIELDS else None
    if scope == "answers":
        return run.state.answers.get(name)
    return None


def holds(condition: Condition, run: Run | AccountRun) -> bool:
    if isinstance(condition, AllOf):
        return all(holds(c, run) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(c, run) for c in condition.any)
    if isinstance(condition, NotOf):
        return not holds(condition.not_, run)
    assert isinstance(condition, Compare)
    return OPERATORS[condition.op](value_of(condition.field, run), condition.value)
