"""Tasks are thin: load by id, call one action."""

from __future__ import annotations

from django_tasks import TaskContext, task

from ladder.delivery import actions


@task(takes_context=True)
def attempt_delivery_task(context: TaskContext, delivery_id: int) -> str:
    worker_ids = context.task_result.worker_ids
    worker = f"task:{worker_ids[-1]}" if worker_ids else "task"
    return actions.attempt_delivery(delivery_id=delivery_id, worker=worker)
