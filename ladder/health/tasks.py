"""Tasks are thin: load by id, call one action."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from ladder.health.score import recompute_all
from ladder.tenancy.models import Organization


@task()
def recompute_organization(organization_id: int) -> int:
    """Recomputes the organization's scores after its weights changed; returns how
    many customers it recomputed."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    return recompute_all(organization, at=timezone.now()).customers
