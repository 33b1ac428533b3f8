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
    CONFIGURE = "configure"  # organization, teams, tiers, tokens


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
    Permission.APPROVE: frozenset(
        {R.ACCOUNTING, R.PRINCIPAL, R.MANAGER, R.EXECUTIVE, R.ADMIN}
    ),
    Permission.CONFIGURE: frozenset({R.ADMIN}),
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
        f"| `{p.value}` | "
        + " | ".join("✔" if r in MATRIX[p] else "" for r in roles)
        + " |"
        for p in Permission
    ]
    return "\n".join([head, rule, *rows]) + "\n"
