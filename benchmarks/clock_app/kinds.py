"""``bench.breach``: what a clock breach does, set-based. The "clock" is an open
follow-up task (cases.Task) with a due time; the handler re-checks that the task is
still open (one query for the batch), marks the others stale, and appends one
``clock.breached`` timeline event per case in one bulk insert; the firing path then
bulk-inserts the Firing rows and marks the deadlines fired in one UPDATE."""

from __future__ import annotations

from datetime import datetime

from ladder.cases.models import Task, TimelineEvent
from ladder.deadlines.models import Deadline
from ladder.deadlines.registry import deadline_handler

KIND = "bench.breach"


@deadline_handler(KIND)
def breach_clocks(deadlines: list[Deadline], now: datetime) -> None:
    running = set(
        Task.objects.filter(pk__in=[d.target_id for d in deadlines], done=False).values_list(
            "pk", flat=True
        )
    )
    events = []
    for d in deadlines:
        if d.target_id not in running or d.case_id is None:
            d.mark_stale()
            continue
        events.append(
            TimelineEvent(
                organization_id=d.organization_id,
                case_id=d.case_id,
                kind="clock.breached",
                actor_rule="benchmark/24h-meeting",
                actor_label="engine (benchmark/24h-meeting)",
                data={"deadline": d.pk, "clock": d.target_id, "due_at": d.due_at.isoformat()},
                created_at=now,
            )
        )
    TimelineEvent.objects.bulk_create(events)
