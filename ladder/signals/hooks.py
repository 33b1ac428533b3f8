"""The signed webhook for systems without API tokens (MT1): a per-organization secret,
the signature check of :mod:`ladder.delivery.signing`, and a receipt per accepted
signature so that a captured request cannot be sent again.

    X-Ladder-Organization: acme
    X-Ladder-Timestamp: 1795430400
    X-Ladder-Signature: sha256=<hex HMAC-SHA256 of "1795430400.<body>" with the secret>
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from ladder.delivery.signing import TOLERANCE_SECONDS, verify_signature
from ladder.errors import DomainError
from ladder.signals.models import HookReceipt, SignalHook
from ladder.tenancy.models import Organization

ORGANIZATION_HEADER = "X-Ladder-Organization"


class HookRefused(DomainError):
    """The webhook request is not signed by the organization (HTTP 401). The reason
    never says whether the organization exists."""


def set_hook_secret(*, organization: Organization) -> str:
    """Creates the organization's webhook secret, or replaces it (rotation: the old one
    stops working at once). Returns the new secret, shown once."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        SignalHook.objects.update_or_create(
            organization=organization,
            defaults={"secret": secret, "active": True, "rotated_at": timezone.now()},
        )
    return secret


def disable_hook(*, organization: Organization) -> bool:
    return SignalHook.objects.filter(organization=organization).update(active=False) > 0


def accept_hook(
    *, slug: str, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> Organization:
    """The organization whose secret signed ``body`` at ``timestamp``; refuses an
    unsigned request, a timestamp more than five minutes from the clock, a signature
    that does not match, and a signature already accepted (a replay)."""
    if not slug or not timestamp or not signature:
        raise HookRefused(
            "unsigned: send X-Ladder-Organization, X-Ladder-Timestamp and X-Ladder-Signature"
        )
    current = time.time() if now is None else now
    try:
        sent = int(timestamp)
    except ValueError:
        raise HookRefused("X-Ladder-Timestamp must be Unix seconds") from None
    if abs(current - sent) > TOLERANCE_SECONDS:
        raise HookRefused(
            f"stale: X-Ladder-Timestamp is more than {TOLERANCE_SECONDS} s from our clock"
        )
    hook = (
        SignalHook.objects.select_related("organization")
        .filter(organization__slug=slug, active=True)
        .first()
    )
    if hook is None or not verify_signature(
        secret=hook.secret, timestamp=timestamp, body=body, signature=signature, now=current
    ):
        raise HookRefused("the signature does not match")
    received = dt.datetime.fromtimestamp(current, tz=dt.UTC)
    try:
        with transaction.atomic():
            HookReceipt.objects.create(
                organization=hook.organization, signature=signature, received_at=received
            )
    except IntegrityError:
        raise HookRefused("replay: this signature was accepted before") from None
    # A receipt older than twice the tolerance can no longer match an accepted timestamp.
    HookReceipt.objects.filter(
        received_at__lt=received - dt.timedelta(seconds=2 * TOLERANCE_SECONDS)
    ).delete()
    return hook.organization
