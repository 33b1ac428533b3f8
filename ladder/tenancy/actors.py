"""Who did it: a staff member (through a page or an API token) or the engine, with the
playbook rule that decided. Every timeline row records one."""

from __future__ import annotations

from dataclasses import dataclass

from ladder.tenancy.models import ApiToken, Organization, Role, Staff
from ladder.tenancy.permissions import Permission, allows, require


@dataclass(frozen=True)
class Actor:
    organization: Organization
    staff: Staff | None = None
    token: ApiToken | None = None
    rule: str = ""

    @classmethod
    def for_staff(cls, staff: Staff, *, token: ApiToken | None = None) -> Actor:
        return cls(organization=staff.organization, staff=staff, token=token)

    @classmethod
    def engine(cls, organization: Organization, *, rule: str) -> Actor:
        return cls(organization=organization, rule=rule)

    @property
    def roles(self) -> frozenset[Role]:
        if self.staff is None:
            # The engine acts with every role; the playbook rule is its authority.
            return frozenset(Role)
        return self.staff.role_set

    @property
    def label(self) -> str:
        if self.staff is not None:
            via = f" via token {self.token.prefix}" if self.token is not None else ""
            return f"{self.staff.display_name}{via}"
        return f"engine ({self.rule})"

    def can(self, permission: Permission) -> bool:
        return allows(self.roles, permission)

    def require(self, permission: Permission) -> None:
        require(self.roles, permission)
