"""The permission matrix: which role may do what. The one place that answers it;
`docs/permissions.md` is generated from this table and a test keeps them equal."""

from __future__ import annotations

from enum import StrEnum

from ladder.errors import Forbidden
from ladder.tenancy.models import Role


class Permission(StrEnum):
    VIEW = "view"  # read the organization's customers, cases, staff and teams
    CUSTOMER_EDIT = "customer.edit"  # create and update customer accounts
    CASE_CREATE = "case.create"
    CASE_EDIT = "case.edit"  # edit fields, change status short of closing
    CASE_LOG = "case.log"  # log a call, e-mail, meeting, note or contact attempt
    CASE_ASSIGN = "case.assign"  # give a case to anyone; without it, only to yourself
    CASE_ESCALATE = "case.escalate"
    CASE_CLOSE = "case.close"  # close and reopen
    TASK_EDIT = "task.edit"
    APPROVE = "approve"  # approve or deny offers and refunds
    PAYOUT = "refund.pay"  # record that finance paid a refund (ED5)
    CONFIGURE = "configure"  # organization, teams, tiers, tokens
    PLAYBOOK_MANAGE = "playbook.manage"  # load and activate playbook versions
    SIGNAL_CREATE = "signal.create"  # record early-warning signals (MT1), one or in bulk
    MONEY_AT_RISK = "money_at_risk.view"  # the revenue of accounts at risk (MT1)


R = Role
_EVERYONE = frozenset(Role)
_DESK = frozenset(
    {
        R.AGENT,
        R.TIER2,
        R.TEAM_LEAD,
        R.MANAGER,
        R.OWNER,
        R.ACADEMIC_DIRECTOR,
        R.PRINCIPAL,
        R.EXECUTIVE,
        R.ADMIN,
    }
)
_LEADS = frozenset(
    {
        R.TIER2,
        R.TEAM_LEAD,
        R.MANAGER,
        R.ACADEMIC_DIRECTOR,
        R.PRINCIPAL,
        R.EXECUTIVE,
        R.ADMIN,
    }
)

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.VIEW: _EVERYONE,
    Permission.CUSTOMER_EDIT: _DESK,
    # MT4: whoever receives an escalation creates the case, finance included.
    Permission.CASE_CREATE: _EVERYONE,
    Permission.CASE_EDIT: _DESK,
    Permission.CASE_LOG: _EVERYONE,
    Permission.CASE_ASSIGN: _LEADS,
    # The executive is the top of every ladder (IN1), so has nowhere to escalate to.
    Permission.CASE_ESCALATE: _DESK - {R.EXECUTIVE},
    Permission.CASE_CLOSE: _LEADS | {R.OWNER},
    Permission.TASK_EDIT: _EVERYONE,
    # MT5 accounting, ED5 principal, IN1 manager and executive.
    Permission.APPROVE: frozenset({R.ACCOUNTING, R.PRINCIPAL, R.MANAGER, R.EXECUTIVE, R.ADMIN}),
    # ED5: finance pays the approved refund and records it.
    Permission.PAYOUT: frozenset({R.ACCOUNTING, R.ADMIN}),
    Permission.CONFIGURE: frozenset({R.ADMIN}),
    # A playbook decides who gets cases and who approves money: the admin's, like the
    # rest of the organization's configuration.
    Permission.PLAYBOOK_MANAGE: frozenset({R.ADMIN}),
    # MT1: whoever notices a signal records it (finance a payment past due, the desk an
    # upset customer); integrations send theirs with a token or the signed webhook.
    Permission.SIGNAL_CREATE: _EVERYONE,
    # What the accounts at risk are worth is for the people who steer the desk.
    Permission.MONEY_AT_RISK: frozenset(
        {R.TEAM_LEAD, R.MANAGER, R.ACADEMIC_DIRECTOR, R.PRINCIPAL, R.EXECUTIVE, R.ADMIN}
    ),
}


def allows(roles: frozenset[Role], permission: Permission) -> bool:
    return bool(roles & MATRIX[permission])


def require(roles: frozenset[Role], permission: Permission) -> None:
    if not allows(roles, permission):
        raise Forbidden(permission.value)


def matrix_markdown() -> str:
    """The matrix as a Markdown table, for docs/permissions.md."""
    roles = list(Role)
    head = "| permission | " + " | ".join(r.value for r in roles) + " |"
    rule = "| --- |" + " :-: |" * len(roles)
    rows = [
        f"| `{p.value}` | " + " | ".join("✔" if r in MATRIX[p] else "" for r in roles) + " |"
        for p in Permission
    ]
    return "\n".join([head, rule, *rows]) + "\n"


_DESCRIPTIONS: dict[Permission, str] = {
    Permission.VIEW: "read the organization's customers, cases, timeline, staff, teams, tiers",
    Permission.CUSTOMER_EDIT: "create and edit customer accounts",
    Permission.CASE_CREATE: "open a case (MT4: whoever receives an escalation creates it)",
    Permission.CASE_EDIT: "edit a case's fields; move it between new, in progress, awaiting "
    "customer, awaiting approval and resolved; take a case nobody owns for yourself",
    Permission.CASE_LOG: "log a call, e-mail, meeting, chat, note or contact attempt",
    Permission.CASE_ASSIGN: "give a case to any owner or team",
    Permission.CASE_ESCALATE: "move a case up the ladder with a handoff summary (IN1)",
    Permission.CASE_CLOSE: "close a resolved case; reopen a resolved or closed one",
    Permission.TASK_EDIT: "create, reschedule, complete and reopen tasks",
    Permission.APPROVE: "approve or deny offers and refunds (MT5, ED5)",
    Permission.PAYOUT: "record that a refund was paid, with its reference (ED5; see "
    "docs/retention.md)",
    Permission.CONFIGURE: "configure the organization: teams, skills, tiers, staff, tokens; "
    "publish churn-code taxonomy versions and choose the case kinds that need churn codes "
    "before closing (MT2; see docs/churn-codes.md); set the health score's weights, "
    "half-lives and bands (MT1; see docs/health.md); edit the save-offer catalog "
    "(docs/retention.md)",
    Permission.PLAYBOOK_MANAGE: "load a playbook version and activate it (the tiers follow "
    "the active playbook's ladder); see docs/playbooks.md",
    Permission.SIGNAL_CREATE: "record early-warning signals, one at a time, in bulk or by CSV "
    "import (MT1; see docs/signals.md)",
    Permission.MONEY_AT_RISK: "see the money at risk on My work and the list of accounts at "
    "risk: MRR and contract value of red or amber accounts and of accounts with an open "
    "cancellation, refund or downgrade case (MT1; see docs/health.md)",
}

_RULES = """
## Rules beyond the matrix

- **Tenancy.** Every read and write is scoped to the caller's organization. Another
  organization's id in a URL answers 404, exactly as an id that does not exist; in a
  request body it answers 422 naming the field.
- **Taking a case.** Without `case.assign`, a staff member with `case.edit` may take a
  case that nobody owns for themselves, and nothing more (no other owner, no team).
- **Resolved stays explained.** On a resolved or closed case the root cause and the
  resolution can be corrected but not cleared (TD1).
- **Escalation.** The target tier must be above the current one and exist on the
  organization's ladder; a named new owner must hold the role that works that tier.
  Only open cases escalate: reopen a resolved or closed case first.
- **Closing.** MT2: a case of a kind that needs churn codes (by default escalation,
  cancellation, refund and downgrade) closes only once its churn codes are recorded
  (422 naming `churn_codes`); recording them needs `case.edit`, and a closed case keeps
  them until it is reopened.
- **Resolving.** TD1: a case resolves only once its root cause and resolution are
  recorded (422 naming the missing fields).
- **The engine** acts with every role; its authority is the playbook rule it names,
  which the timeline records.
- **API tokens** act with the roles of the staff member they belong to.
"""


def permissions_document() -> str:
    """docs/permissions.md: generated, and a test keeps the committed file equal."""
    lines = [
        "# Permissions",
        "",
        "Generated from `ladder/tenancy/permissions.py` by `make docs` — edit the matrix, not",
        "this file. The server enforces it on every route, page and command: a hidden button",
        "is a convenience, the refusal (HTTP 403) is the rule.",
        "",
        "## Permissions",
        "",
        *[f"- `{p.value}`: {_DESCRIPTIONS[p]}" for p in Permission],
        "",
        "## The matrix",
        "",
        matrix_markdown().rstrip("\n"),
        _RULES.rstrip("\n"),
        "",
    ]
    return "\n".join(lines)
