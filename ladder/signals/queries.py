"""Reads on signal imports."""

from __future__ import annotations

from ladder.errors import NotFound
from ladder.signals.models import SignalImport
from ladder.tenancy.models import Organization


def recent_imports(*, organization: Organization, limit: int = 20) -> list[SignalImport]:
    """The organization's latest imports, without their error lists."""
    return list(
        SignalImport.objects.filter(organization=organization)
        .defer("errors")
        .order_by("-queued_at", "-id")[:limit]
    )


def get_import(*, organization: Organization, import_id: int) -> SignalImport:
    found = SignalImport.objects.filter(organization=organization, pk=import_id).first()
    if found is None:
        raise NotFound("signal import")
    return found
