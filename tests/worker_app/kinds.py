"""The deadline kind "test.effect": one timeline event per deadline, written in the
firing transaction, so a count of events is a count of effects. Its payload steers it:
``sleep`` (seconds per row, to catch a worker mid-batch), ``stale`` (re-check finds
nothing to do), ``fail`` (the handler raises for that row)."""

from __future__ import annotations

import time
from datetime import datetime

from ladder.cases.models import TimelineEvent
from ladder.deadlines.models import Deadline
from ladder.deadlines.registry import deadline_handler

KIND = "test.effect"
EVENT = "test.fired"


class Boom(RuntimeError):
    pass


@deadline_handler(KIND)
def fire_test_effect(deadlines: list[Deadline], now: datetime) -> None:
    events = []
    for deadline in deadlines:
        time.sleep(float(deadline.payload.get("sleep", 0)))
        if deadline.payload.get("fail"):
            raise Boom(f"deadline {deadline.pk} asked to fail")
        if deadline.payload.get("stale"):
            deadline.mark_stale()
            continue
        assert deadline.case_id is not None
        events.append(
            TimelineEvent(
                organization_id=deadline.organization_id,
                case_id=deadline.case_id,
                kind=EVENT,
                actor_label="engine (test)",
                data={"deadline": deadline.pk},
                created_at=now,
            )
        )
    TimelineEvent.objects.bulk_create(events)
