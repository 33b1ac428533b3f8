"""Conditions are data, never code: a field, an operator and a value, combined with
all / any / not. Operators are a registry; the fields a condition may read are listed
here, so that validation and the docs can name them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ladder.playbooks.format import AllOf, AnyOf, Compare, Condition, NotOf

if TYPE_CHECKING:
    from ladder.playbooks.engine import Run

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
CUSTOMER_FIELDS: dict[str, Callable[[Run], Any]] = {
    "name": lambda r: r.customer.name,
    "mrr": lambda r: r.customer.mrr.amount if r.customer.mrr else None,
    "contract_value": lambda r: (
        r.customer.contract_value.amount if r.customer.contract_value else None
    ),
    "products": lambda r: [p.name for p in r.customer.products.all()],
    "has_owner": lambda r: r.customer.owner_id is not None,
    "open_cases": lambda r: r.customer.cases.exclude(status__in=["resolved", "closed"]).count(),
}


def value_of(field: str, run: Run) -> Any:
    scope, _, name = field.partition(".")
    if scope == "case":
        return CASE_FIELDS[name](run) if name in CASE_FIELDS else None
    if scope == "customer":
        return CUSTOMER_FIELDS[name](run) if name in CUSTOMER_FIELDS else None
    if scope == "event":
        return run.event.data.get(name)
    if scope == "answers":
        return run.state.answers.get(name)
    return None


def holds(condition: Condition, run: Run) -> bool:
    if isinstance(condition, AllOf):
        return all(holds(c, run) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(c, run) for c in condition.any)
    if isinstance(condition, NotOf):
        return not holds(condition.not_, run)
    assert isinstance(condition, Compare)
    return OPERATORS[condition.op](value_of(condition.field, run), condition.value)
