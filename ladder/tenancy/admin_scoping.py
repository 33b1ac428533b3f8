"""Tenant scoping for the Django admin, shared by every Ladder ModelAdmin and inline.

A superuser sees every organization. A staff user (``is_staff``) whose Staff row holds
the admin role (the matrix's ``configure`` permission) sees and edits only their own
organization's rows. Anyone else gets no module permission at all: Django's own model
permissions are not consulted, the permission matrix is the one answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import ForeignKey, ManyToManyField, Model, QuerySet
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect

from ladder.errors import DomainError
from ladder.tenancy.models import Organization, Staff
from ladder.tenancy.permissions import Permission, allows

_M = TypeVar("_M", bound=Model)
_C = TypeVar("_C", bound=Model)
_P = TypeVar("_P", bound=Model)

VERSION_FIELD = "expected_version"


@dataclass(frozen=True)
class AdminScope:
    """Who is in the admin and which organization's rows they may touch."""

    # The one organization a tenant admin is confined to; None only for a superuser.
    confined_to: Organization | None
    # The user's Staff row, loaded with its organization and roles; a superuser may have none.
    staff: Staff | None


_CACHE_ATTR = "_ladder_admin_scope"


def admin_scope(request: HttpRequest) -> AdminScope | None:
    """The request's admin scope, or None when the user may not use Ladder's admin.
    Computed once per request: every permission check of a page asks again."""
    if hasattr(request, _CACHE_ATTR):
        cached: AdminScope | None = getattr(request, _CACHE_ATTR)
        return cached
    scope = _load_scope(request)
    setattr(request, _CACHE_ATTR, scope)
    return scope


def _load_scope(request: HttpRequest) -> AdminScope | None:
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    staff = (
        Staff.objects.select_related("organization")
        .prefetch_related("role_grants")
        .filter(user_id=user.pk)
        .first()
    )
    if user.is_superuser:
        return AdminScope(confined_to=None, staff=staff)
    if staff is not None and allows(staff.role_set, Permission.CONFIGURE):
        return AdminScope(confined_to=staff.organization, staff=staff)
    return None


def organization_lookup(model: type[Model]) -> str | None:
    """The lookup from a model to its organization, or None for a model outside any
    tenant (such as Django's User)."""
    if issubclass(model, Organization):
        return "pk"
    if any(f.name == "organization" for f in model._meta.get_fields()):
        return "organization"
    return None


def organization_id_of(obj: Model) -> int | None:
    if isinstance(obj, Organization):
        return obj.pk
    value = getattr(obj, "organization_id", None)
    return value if isinstance(value, int) else None


def confine(queryset: QuerySet[_M], request: HttpRequest) -> QuerySet[_M]:
    """The rows of ``queryset`` the request's user may see."""
    scope = admin_scope(request)
    if scope is None:
        return queryset.none()
    if scope.confined_to is None:
        return queryset
    lookup = organization_lookup(queryset.model)
    if lookup is None:
        return queryset.none()
    return queryset.filter(**{lookup: scope.confined_to.pk})


def confine_choices(
    db_field: ForeignKey[Any, Any] | ManyToManyField[Any, Any],
    request: HttpRequest,
    kwargs: dict[str, Any],
) -> None:
    """Limits a relation's choices to the user's organization (for a tenant admin)."""
    related = db_field.related_model
    if isinstance(related, str):  # "self": never used by Ladder's models
        return
    base = kwargs.get("queryset")
    if base is None:
        base = related._default_manager.all()
    kwargs["queryset"] = confine(base, request)


class TenantModelForm(forms.ModelForm[Any]):
    """Refuses a reference to another organization's row. A tenant admin's choices are
    already confined; a superuser's are not, and this keeps them consistent too."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        chosen = cleaned.get("organization")
        org_id = (
            chosen.pk if isinstance(chosen, Organization) else organization_id_of(self.instance)
        )
        if org_id is None:
            return cleaned
        for name, value in list(cleaned.items()):
            if name == "organization":
                continue
            rows = list(value) if isinstance(value, QuerySet | list | tuple) else [value]
            if any(
                isinstance(row, Model) and organization_id_of(row) not in (None, org_id)
                for row in rows
            ):
                self.add_error(name, "belongs to another organization")
        return cleaned


class VersionedModelForm(TenantModelForm):
    """Carries the version the user opened the page at, so that saving over a newer
    change made meanwhile (in the desk or the API) is refused instead of undoing it."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and VERSION_FIELD in self.fields:
            self.fields[VERSION_FIELD].initial = getattr(self.instance, "version", None)

    def clean_expected_version(self) -> int | None:
        value: int | None = self.cleaned_data.get(VERSION_FIELD)
        if self.instance.pk is not None and value is None:
            raise forms.ValidationError("the page is missing its version; reload it")
        return value


class TenantAdmin(admin.ModelAdmin[_M]):
    """A ModelAdmin confined to the user's organization, for models with an
    ``organization`` foreign key (or Organization itself)."""

    form = TenantModelForm

    # --- which rows -------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[_M]:
        return confine(super().get_queryset(request), request)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> _M | None:
        if admin_scope(request) is None:
            raise PermissionDenied
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django would redirect to the index with "… doesn't exist"; a plain 404
            # says the same about a missing row and another tenant's row alike.
            raise Http404
        return obj

    def in_scope(self, request: HttpRequest, obj: _M | None) -> bool:
        scope = admin_scope(request)
        if scope is None:
            return False
        if obj is None or scope.confined_to is None:
            return True
        return organization_id_of(obj) == scope.confined_to.pk

    def is_confined(self, request: HttpRequest) -> bool:
        scope = admin_scope(request)
        return scope is not None and scope.confined_to is not None

    # --- permissions ------------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return admin_scope(request) is not None

    def has_view_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return self.in_scope(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return self.in_scope(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return admin_scope(request) is not None

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return self.in_scope(request, obj)

    # --- forms ------------------------------------------------------------------------

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        confine_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        confine_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str | list[str]]:
        initial = super().get_changeform_initial_data(request)
        scope = admin_scope(request)
        if scope is not None and scope.confined_to is not None and self._has_org_field():
            initial.setdefault("organization", str(scope.confined_to.pk))
        return initial

    def get_readonly_fields(self, request: HttpRequest, obj: _M | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self._has_org_field() and "organization" not in fields:
            fields.append("organization")  # a row never moves between organizations
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: _M | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            return fieldsets
        # Only a change form carries the version; a view-only page has no such field.
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != VERSION_FIELD]})
            for name, opts in fieldsets
        ]

    def save_model(self, request: HttpRequest, obj: _M, form: Any, change: bool) -> None:
        scope = admin_scope(request)
        if scope is not None and scope.confined_to is not None and self._has_org_field():
            cast(Any, obj).organization = scope.confined_to
        super().save_model(request, obj, form, change)

    # --- lists ------------------------------------------------------------------------

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = super().get_list_display(request)
        if self.is_confined(request):
            return [c for c in columns if c != "organization"]
        return columns

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = super().get_list_filter(request)
        if self.is_confined(request):
            return [f for f in filters if f != "organization"]
        return filters

    # --- saving -----------------------------------------------------------------------

    @method_decorator(csrf_protect)
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A domain error raised while saving (a stale version, an action's refusal)
        becomes a message on the same page instead of a server error."""
        try:
            return self.run_changeform(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def run_changeform(
        self,
        request: HttpRequest,
        object_id: str | None,
        form_url: str,
        extra_context: dict[str, Any] | None,
    ) -> HttpResponse:
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _has_org_field(self) -> bool:
        return organization_lookup(self.model) == "organization"


class TenantInline(admin.TabularInline[_C, _P]):
    """Rows of a tenant-scoped parent (a customer's contacts, a staff member's roles).
    The parent's admin has already confined the parent row.

    An inline's permission methods receive the parent object, which the stubs can only
    express by overriding incompatibly; hence the ``type: ignore[override]``s, as in
    django-stubs itself."""

    extra = 0

    def has_view_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: _P | None = None
    ) -> bool:
        return admin_scope(request) is not None

    def has_add_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: _P | None
    ) -> bool:
        return admin_scope(request) is not None

    def has_change_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: _P | None = None
    ) -> bool:
        return admin_scope(request) is not None

    def has_delete_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: _P | None = None
    ) -> bool:
        return admin_scope(request) is not None

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        confine_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField[Any] | None:
        confine_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReadOnlyInline(TenantInline[_C, _P]):
    """Rows shown beside their parent and written only by the actions layer."""

    def has_add_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: _P | None
    ) -> bool:
        return False

    def has_change_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: _P | None = None
    ) -> bool:
        return False

    def has_delete_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: _P | None = None
    ) -> bool:
        return False
