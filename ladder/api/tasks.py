"""/api/v1/tasks: action items with a due time."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router
from ninja.responses import Status as Reply

from ladder.api.auth import actor_of
from ladder.api.http import (
    IdempotencyKeyHeader,
    IfMatch,
    etag,
    expected_version,
    idempotent,
    responses,
)
from ladder.api.schemas import (
    Cursor,
    Limit,
    StaleTaskOut,
    TaskIn,
    TaskOut,
    TaskPageOut,
    TaskPatch,
    task_out,
)
from ladder.cases import actions, queries
from ladder.cases.models import Task
from ladder.errors import StaleVersion

router = Router(tags=["tasks"])
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _reply(
    request: HttpRequest, response: HttpResponse, task: Task, status: int = 200
) -> Reply[TaskOut]:
    fresh = queries.get_task(organization=actor_of(request).organization, task_id=task.pk)
    response["ETag"] = etag(fresh.version)
    return Reply(status, task_out(fresh))


def _stale(request: HttpRequest, task_id: int, exc: StaleVersion) -> Reply[StaleTaskOut]:
    current = queries.get_task(organization=actor_of(request).organization, task_id=task_id)
    return Reply(412, StaleTaskOut(detail=str(exc), current=task_out(current)))


@router.get("/tasks", response=responses({200: TaskPageOut}), summary="List tasks, due first")
def list_tasks(
    request: HttpRequest,
    assignee_id: Id | None = None,
    mine: bool = False,
    case_id: Id | None = None,
    done: bool | None = None,
    cursor: Cursor | None = None,
    limit: Limit = 50,
) -> TaskPageOut:
    """`mine=true` lists your own tasks (it wins over `assignee_id`)."""
    actor = actor_of(request)
    if mine and actor.staff is not None:
        assignee_id = actor.staff.pk
    page = queries.list_tasks(
        organization=actor.organization,
        filters=queries.TaskFilters(assignee_id=assignee_id, case_id=case_id, done=done),
        cursor=cursor,
        limit=limit,
    )
    return TaskPageOut(items=[task_out(t) for t in page.items], next_cursor=page.next_cursor)


@router.post("/tasks", response=responses({201: TaskOut}, 403, 409), summary="Create a task")
def create_task(
    request: HttpRequest,
    response: HttpResponse,
    body: TaskIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Reply[Any]:
    def run() -> Reply[TaskOut]:
        task = actions.create_task(
            actor=actor_of(request),
            title=body.title,
            assignee_id=body.assignee_id,
            due_at=body.due_at,
            case_id=body.case_id,
        )
        return _reply(request, response, task, 201)

    return idempotent(request, idempotency_key, body, run, response)


@router.get("/tasks/{task_id}", response=responses({200: TaskOut}, 404), summary="Read a task")
def get_task(request: HttpRequest, response: HttpResponse, task_id: int) -> Reply[TaskOut]:
    task = queries.get_task(organization=actor_of(request).organization, task_id=task_id)
    response["ETag"] = etag(task.version)
    return Reply(200, task_out(task))


@router.patch(
    "/tasks/{task_id}",
    response=responses({200: TaskOut, 412: StaleTaskOut}, 403, 404, 428),
    summary="Reschedule or reassign a task",
)
def update_task(
    request: HttpRequest,
    response: HttpResponse,
    task_id: int,
    body: TaskPatch,
    if_match: IfMatch = None,
) -> Reply[Any]:
    version = expected_version(if_match)
    current = queries.get_task(organization=actor_of(request).organization, task_id=task_id)
    try:
        task = actions.reschedule_task(
            actor=actor_of(request),
            task_id=task_id,
            expected_version=version,
            due_at=body.due_at or current.due_at,
            assignee_id=body.assignee_id or current.assignee_id,
        )
    except StaleVersion as exc:
        return _stale(request, task_id, exc)
    return _reply(request, response, task)


@router.post(
    "/tasks/{task_id}/complete",
    response=responses({200: TaskOut, 412: StaleTaskOut}, 403, 404, 409, 428),
    summary="Mark a task done",
)
def complete_task(
    request: HttpRequest, response: HttpResponse, task_id: int, if_match: IfMatch = None
) -> Reply[Any]:
    version = expected_version(if_match)
    try:
        task = actions.complete_task(
            actor=actor_of(request), task_id=task_id, expected_version=version
        )
    except StaleVersion as exc:
        return _stale(request, task_id, exc)
    return _reply(request, response, task)


@router.post(
    "/tasks/{task_id}/reopen",
    response=responses({200: TaskOut, 412: StaleTaskOut}, 403, 404, 409, 428),
    summary="Mark a done task open again",
)
def reopen_task(
    request: HttpRequest, response: HttpResponse, task_id: int, if_match: IfMatch = None
) -> Reply[Any]:
    version = expected_version(if_match)
    try:
        task = actions.reopen_task(
            actor=actor_of(request), task_id=task_id, expected_version=version
        )
    except StaleVersion as exc:
        return _stale(request, task_id, exc)
    return _reply(request, response, task)
