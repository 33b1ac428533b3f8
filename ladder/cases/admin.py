"""Admin for cases, tasks and the timeline: read-mostly.

Every write goes through ``cases.actions`` so that it appends its timeline event; the
status is never editable here (``transition_case`` is its only writer), nor is anything
deleted. An edit needs an actor, which is a Staff row in the case's organization: a
superuser without one (or from another organization) gets these pages read-only,
because the timeline must name a staff member for every change.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar, cast

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from ladder.cases import admin_guard  # noqa: F401  (registers the reply guard's admin)
from ladder.cases.actions import (
    CaseEdit,
    complete_task,
    reopen_task,
    reschedule_task,
    update_case,
)
from ladder.cases.models import Case, Interaction, Task, TimelineEvent
from ladder.tenancy.actors import Actor
from ladder.tenancy.admin_scoping import (
    VERSION_FIELD,
    ReadOnlyInline,
    TenantAdmin,
    VersionedModelForm,
    admin_scope,
    organization_id_of,
)
from ladder.tenancy.permissions import Permission

_M = TypeVar("_M", bound=Model)

# The fields update_case accepts; everything else on a case has its own action.
EDITABLE_CASE_FIELDS: frozenset[str] = frozenset(CaseEdit.__annotations__)


class ActionAdmin(TenantAdmin[_M]):
    """An admin whose saves call actions, as the staff member the user is."""

    form = VersionedModelForm
    edit_permission: ClassVar[Permission]

    def actor(self, request: HttpRequest, obj: _M | None) -> Actor | None:
        scope = admin_scope(request)
        staff = scope.staff if scope is not None else None
        if staff is None:
            return None
        if obj is not None and organization_id_of(obj) != staff.organization_id:
            return None
        return Actor.for_staff(staff)

    def require_actor(self, request: HttpRequest, obj: _M) -> Actor:
        actor = self.actor(request, obj)
        if actor is None:
            raise PermissionDenied
        return actor

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        actor = self.actor(request, obj)
        return (
            super().has_change_permission(request, obj)
            and actor is not None
            and actor.can(self.edit_permission)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def run_changeform(
        self,
        request: HttpRequest,
        object_id: str | None,
        form_url: str,
        extra_context: dict[str, Any] | None,
    ) -> HttpResponse:
        # Django wraps a save in transaction.atomic, but each action opens its own
        # durable transaction, which cannot nest. Nothing else on these pages writes a
        # domain row (the inlines are read-only), so the action's transaction suffices.
        response = self._changeform_view(  # type: ignore[attr-defined]
            request, object_id, form_url, extra_context
        )
        return cast(HttpResponse, response)


class InteractionInline(ReadOnlyInline[Interaction, Case]):
    model = Interaction
    fields = ["occurred_at", "kind", "direction", "outcome", "author", "body"]
    readonly_fields = ["occurred_at", "kind", "direction", "outcome", "author", "body"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("author")


class TaskInline(ReadOnlyInline[Task, Case]):
    model = Task
    fields = ["title", "assignee", "due_at", "done"]
    readonly_fields = ["title", "assignee", "due_at", "done"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("assignee")


@admin.register(Case)
class CaseAdmin(ActionAdmin[Case]):
    edit_permission = Permission.CASE_EDIT
    list_display = [
        "reference",
        "subject",
        "customer",
        "status",
        "severity",
        "tier",
        "owner",
        "team",
        "organization",
        "created_at",
    ]
    list_filter = [
        "organization",
        "status",
        "severity",
        "kind",
        "tier",
        ("team", admin.RelatedOnlyFieldListFilter),
        ("owner", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["customer", "owner", "team", "organization"]
    search_fields = ["reference", "subject", "customer__name"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "organization",
                    "customer",
                    "kind",
                    "channel",
                    "status",
                    "tier",
                    "owner",
                    "team",
                ]
            },
        ),
        ("Details", {"fields": ["subject", "request_type", "category", "severity", "description"]}),
        ("Outcome", {"fields": ["root_cause", "resolution", "outcome", "money_at_stake"]}),
        (
            "Record",
            {
                "fields": [
                    "number",
                    "version",
                    "playbook_version",
                    "created_by",
                    "created_at",
                    "updated_at",
                    VERSION_FIELD,
                ]
            },
        ),
    ]
    # Status, tier, owner and team have their own actions (transition, escalate,
    # assign); the rest never change after the case is opened.
    readonly_fields = [
        "reference",
        "organization",
        "customer",
        "kind",
        "channel",
        "status",
        "tier",
        "owner",
        "team",
        "number",
        "version",
        "playbook_version",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [InteractionInline, TaskInline]

    def save_model(self, request: HttpRequest, obj: Case, form: Any, change: bool) -> None:
        actor = self.require_actor(request, obj)
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE_CASE_FIELDS}
        if not changes:
            return
        case = update_case(
            actor=actor,
            case_id=obj.pk,
            expected_version=form.cleaned_data[VERSION_FIELD],
            changes=cast(CaseEdit, changes),
        )
        obj.version = case.version
        obj.updated_at = case.updated_at


@admin.register(Task)
class TaskAdmin(ActionAdmin[Task]):
    edit_permission = Permission.TASK_EDIT
    list_display = ["title", "due_at", "assignee", "done", "case", "organization"]
    list_filter = ["organization", "done", ("assignee", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["assignee", "case", "organization"]
    search_fields = ["title", "case__reference"]
    fields = [
        "organization",
        "title",
        "case",
        "assignee",
        "due_at",
        "done",
        "done_at",
        "version",
        "created_by",
        "created_at",
        VERSION_FIELD,
    ]
    readonly_fields = ["title", "case", "done_at", "version", "created_by", "created_at"]

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        actor = self.require_actor(request, obj)
        data = form.cleaned_data
        version: int = data[VERSION_FIELD]
        changed = set(form.changed_data)
        if changed & {"due_at", "assignee"}:
            # The form shows whole seconds; an untouched due time keeps its stored value.
            stored = Task.objects.get(pk=obj.pk)
            version = reschedule_task(
                actor=actor,
                task_id=obj.pk,
                expected_version=version,
                due_at=data["due_at"] if "due_at" in changed else stored.due_at,
                assignee_id=data["assignee"].pk,
            ).version
        if "done" in changed:
            done_or_reopen = complete_task if data["done"] else reopen_task
            version = done_or_reopen(actor=actor, task_id=obj.pk, expected_version=version).version
        obj.version = version


@admin.register(TimelineEvent)
class TimelineEventAdmin(TenantAdmin[TimelineEvent]):
    """The append-only record: listed and viewed, never added, changed or deleted."""

    list_display = [
        "created_at",
        "case",
        "kind",
        "field",
        "old_value",
        "new_value",
        "actor_label",
        "organization",
    ]
    list_filter = ["organization", "kind"]
    list_select_related = ["case", "organization"]
    search_fields = ["case__reference", "kind"]
    ordering = ["-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TimelineEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TimelineEvent | None = None) -> bool:
        return False
