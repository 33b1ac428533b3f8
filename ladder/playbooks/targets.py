"""Who a playbook means: a role, a team, a skill, the case's owner or the customer's
owner; and, among them, whom to give a case (least loaded or round robin among the
available)."""

from __future__ import annotations

from django.db.models import Count, F, Max, Q

from ladder.cases.models import Case
from ladder.cases.states import OPEN
from ladder.customers.models import Customer, Program
from ladder.playbooks.format import Target
from ladder.tenancy.models import Availability, Staff


def staff_for(target: Target, case: Case) -> list[Staff]:
    """Everyone the target names, in a stable order."""
    if target.owner:
        return [case.owner] if case.owner is not None else []
    if target.customer_owner:
        owner = Customer.objects.select_related("owner").get(pk=case.customer_id).owner
        return [owner] if owner is not None else []
    return _members(target, case.organization_id)


def staff_for_account(target: Target, customer: Customer, program: Program | None) -> list[Staff]:
    """Everyone the target names for an account rule, where there is no case: ``owner``
    is the program's owner (its class teacher) where the program has one, else the
    customer's owner, as is ``customer_owner``."""
    if target.owner or target.customer_owner:
        owner_id = getattr(program, "owner_id", None) if target.owner else None
        owner_id = owner_id or customer.owner_id
        if owner_id is None:
            return []
        owner = Staff.objects.select_related("user").filter(pk=owner_id).first()
        return [owner] if owner is not None else []
    return _members(target, customer.organization_id)


def _members(target: Target, organization_id: int) -> list[Staff]:
    people = Staff.objects.filter(organization_id=organization_id, user__is_active=True)
    if target.role is not None:
        people = people.filter(role_grants__role=target.role)
    elif target.team is not None:
        people = people.filter(teams__name=target.team)
    else:
        people = people.filter(skills__name=target.skill)
    return list(people.distinct().order_by("pk"))


def choose_owner(target: Target, case: Case, *, strategy: str) -> Staff | None:
    """One available member of the target; nobody available → None (the case stays in
    the queue of its team, and the timeline says so)."""
    candidates = staff_for(target, case)
    if target.owner or target.customer_owner:
        return candidates[0] if candidates else None
    available = [s.pk for s in candidates if s.availability == Availability.AVAILABLE]
    if not available:
        return None
    people = Staff.objects.filter(pk__in=available)
    if strategy == "round_robin":
        # The one whose latest case came longest ago (or never) is next.
        latest = people.annotate(last=Max("owned_cases__created_at"))
        return latest.order_by(F("last").asc(nulls_first=True), "pk").first()
    loads = people.annotate(load=Count("owned_cases", filter=Q(owned_cases__status__in=list(OPEN))))
    return loads.order_by("load", "pk").first()
