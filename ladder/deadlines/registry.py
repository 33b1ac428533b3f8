"""Which handler fires which kind of deadline. One module per kind registers itself:

    @deadline_handler("clock.breach")
    def breach_clocks(deadlines: list[Deadline], now: datetime) -> None: ...

A handler receives a batch of due deadlines of its kind and runs inside the firing
transaction. It re-checks state itself (load the targets, skip what no longer applies
with ``deadline.mark_stale()``) and may raise: the batch is then retried one row at a
time, each in its own savepoint, so one bad row does not hold back the others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ladder.deadlines.models import Deadline

BatchHandler = Callable[[list[Deadline], datetime], None]

HANDLERS: dict[str, BatchHandler] = {}


def deadline_handler(kind: str) -> Callable[[BatchHandler], BatchHandler]:
    def register(handler: BatchHandler) -> BatchHandler:
        existing = HANDLERS.get(kind)
        if existing is not None and existing is not handler:
            raise ValueError(f"deadline kind {kind!r} already has a handler: {existing!r}")
        HANDLERS[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> BatchHandler | None:
    return HANDLERS.get(kind)
