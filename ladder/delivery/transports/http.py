"""A signed JSON POST, shared by webhooks and chat channels."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from django.conf import settings

from ladder.delivery.models import AttemptOutcome, Delivery
from ladder.delivery.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from ladder.delivery.transports import Sent

USER_AGENT = "Ladder-Delivery/1"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def classify(status: int) -> AttemptOutcome:
    if 200 <= status < 300:
        return AttemptOutcome.DELIVERED
    if 400 <= status < 500 and status not in (408, 429):
        return AttemptOutcome.PERMANENT
    return AttemptOutcome.RETRY


def post_signed(delivery: Delivery, document: dict[str, Any]) -> Sent:
    integration = delivery.integration
    if integration is None:
        return Sent(AttemptOutcome.PERMANENT, None, "no integration to sign with")
    body = json.dumps(document, separators=(",", ":"), sort_keys=True, default=str).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret=integration.secret, timestamp=timestamp, body=body),
        IDEMPOTENCY_HEADER: delivery.idempotency_key,
    }
    try:
        response = httpx.post(
            delivery.to,
            content=body,
            headers=headers,
            timeout=settings.LADDER_WEBHOOK_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
    except httpx.HTTPError as exc:
        return Sent(AttemptOutcome.RETRY, None, f"{type(exc).__name__}: {exc}")
    outcome = classify(response.status_code)
    error = (
        ""
        if outcome == AttemptOutcome.DELIVERED
        else f"HTTP {response.status_code}: {response.text[:300]}"
    )
    return Sent(outcome, response.status_code, error, _retry_after(response))


def envelope(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.idempotency_key,
        "organization_id": delivery.organization_id,
        "case_id": delivery.case_id,
        "created_at": delivery.created_at.isoformat(),
    }
