"""The signature on every webhook and chat post, and its check for signed requests
coming in. The signed text is ``"<timestamp>.<body>"``, so a captured body cannot be
replayed with a fresh timestamp, and the receiver refuses old timestamps.

    X-Ladder-Timestamp: 1795430400
    X-Ladder-Signature: sha256=<hex HMAC-SHA256 of "1795430400.<body>" with the secret>
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Ladder-Timestamp"
SIGNATURE_HEADER = "X-Ladder-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
PREFIX = "sha256="
# How far a request's timestamp may be from the receiver's clock.
TOLERANCE_SECONDS = 300


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The X-Ladder-Signature value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return PREFIX + digest.hexdigest()


def verify_signature(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether ``signature`` is ours for this body and timestamp, and the timestamp is
    within ``tolerance`` seconds of ``now`` (the wall clock unless given). Compares in
    constant time."""
    if not secret or not signature.startswith(PREFIX):
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance:
        return False
    expected = sign(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, signature)
