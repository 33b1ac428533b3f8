"""How each channel sends: one module per channel, registered by name. A transport
sends one delivery and says what came of it; it never writes to the database (the
caller records the attempt), and it raises nothing it can classify itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ladder.delivery.models import AttemptOutcome, Delivery


@dataclass(frozen=True)
class Sent:
    outcome: AttemptOutcome
    status_code: int | None = None
    error: str = ""
    # A receiver's Retry-After, in seconds, when it gave one.
    retry_after: float | None = None


Transport = Callable[[Delivery], Sent]

TRANSPORTS: dict[str, Transport] = {}


def transport(channel: str) -> Callable[[Transport], Transport]:
    def register(send: Transport) -> Transport:
        TRANSPORTS[channel] = send
        return send

    return register


def transport_for(channel: str) -> Transport:
    try:
        return TRANSPORTS[channel]
    except KeyError:
        raise LookupError(f"no transport is registered for channel {channel!r}") from None


def load() -> None:
    """Registers the built-in transports (called from the app's ready())."""
    from ladder.delivery.transports import chat, email, webhook  # noqa: F401
