"""Tasks are thin: load by id, call one action."""

from __future__ import annotations

from django_tasks import task

from ladder.signals import imports


@task()
def import_signals_task(import_id: int) -> str:
    run = imports.run_queued_import(import_id=import_id)
    return (
        f"{run.status}: {run.created} created, {run.duplicates} duplicates, {run.rejected} refused"
    )
