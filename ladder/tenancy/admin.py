"""Admin for organizations, their calendars, staff (with role grants), teams, skills and
the tiers of the ladder. Scoping rules live in :mod:`ladder.tenancy.admin_scoping`."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import Max
from django.forms import ValidationError
from django.http import HttpRequest

from ladder.tenancy.actions import create_organization
from ladder.tenancy.admin_scoping import TenantAdmin, TenantInline, TenantModelForm, admin_scope
from ladder.tenancy.models import (
    Closure,
    Organization,
    RoleGrant,
    Skill,
    Staff,
    Team,
    Tier,
    WorkingInterval,
)

# --- organizations -------------------------------------------------------------------


class OrganizationForm(TenantModelForm):
    # These mirror the checks of tenancy.actions.create_organization, which has no
    # counterpart for updates yet; an organization with a bad zone breaks every clock.

    def clean_timezone(self) -> str:
        value: str = self.cleaned_data["timezone"]
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(f"{value!r} is not an IANA time zone") from exc
        return value

    def clean_currency(self) -> str:
        value: str = self.cleaned_data["currency"]
        if value not in settings.CURRENCIES:
            raise ValidationError(f"must be one of {', '.join(settings.CURRENCIES)}")
        return value

    def clean_country(self) -> str:
        value: str = self.cleaned_data["country"]
        if value:
            import holidays

            if value not in holidays.list_supported_countries():
                raise ValidationError(f"{value!r} has no public-holiday calendar")
        return value

    def clean_case_prefix(self) -> str:
        value: str = self.cleaned_data["case_prefix"]
        if not value.isalnum() or not value.isupper():
            raise ValidationError("use capital letters and digits, e.g. SCH")
        return value


class WorkingIntervalInline(TenantInline[WorkingInterval, Organization]):
    model = WorkingInterval
    fields = ["weekday", "start", "end"]


class ClosureInline(TenantInline[Closure, Organization]):
    model = Closure
    fields = ["date", "name"]


@admin.register(Organization)
class OrganizationAdmin(TenantAdmin[Organization]):
    form = OrganizationForm
    list_display = ["name", "slug", "timezone", "locale", "currency", "case_prefix"]
    search_fields = ["name", "slug"]
    fields = [
        "name",
        "slug",
        "timezone",
        "locale",
        "currency",
        "country",
        "subdivision",
        "case_prefix",
        "reply_guard",
        "last_case_number",
        "created_at",
    ]
    inlines = [WorkingIntervalInline, ClosureInline]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Organization | None = None
    ) -> list[str]:
        fields = ["last_case_number", "created_at"]
        if obj is not None:
            # Amounts already stored are in this currency; the actions refuse others.
            fields.append("currency")
        return fields

    def get_inlines(self, request: HttpRequest, obj: Organization | None) -> list[Any]:
        # A new organization gets the default calendar from create_organization.
        return list(self.inlines) if obj is not None else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        scope = admin_scope(request)
        return scope is not None and scope.confined_to is None

    def has_delete_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        scope = admin_scope(request)
        return scope is not None and scope.confined_to is None

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        if not change:
            # The action gives a new organization its default tiers and opening hours.
            created = create_organization(
                slug=obj.slug,
                name=obj.name,
                timezone_name=obj.timezone,
                locale=obj.locale,
                currency=obj.currency,
                country=obj.country,
                case_prefix=obj.case_prefix,
            )
            obj.pk = created.pk
            obj.created_at = created.created_at
            obj._state.adding = False
            obj._state.db = created._state.db
        super().save_model(request, obj, form, change)


# --- staff, teams, skills, tiers -----------------------------------------------------


class RoleGrantInline(TenantInline[RoleGrant, Staff]):
    model = RoleGrant
    fields = ["role"]


@admin.register(Staff)
class StaffAdmin(TenantAdmin[Staff]):
    list_display = ["display_name", "user", "organization", "availability", "roles"]
    list_filter = ["organization", "availability"]
    list_select_related = ["user", "organization"]
    search_fields = ["display_name", "user__username"]
    fields = ["user", "organization", "display_name", "availability", "locale"]
    inlines = [RoleGrantInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("role_grants")

    def get_readonly_fields(self, request: HttpRequest, obj: Staff | None = None) -> list[str]:
        fields = super().get_readonly_fields(request, obj)
        if obj is not None:
            fields.append("user")
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A staff member needs a Django user, and a tenant admin has no access to
        # users (they are not per tenant); tenant admins add staff through add_staff.
        scope = admin_scope(request)
        return scope is not None and scope.confined_to is None

    @admin.display(description="roles")
    def roles(self, obj: Staff) -> str:
        return ", ".join(sorted(g.role for g in obj.role_grants.all()))


class _MembersAdmin(TenantAdmin[Any]):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["name"]
    fields = ["organization", "name", "members"]
    filter_horizontal = ["members"]


@admin.register(Team)
class TeamAdmin(_MembersAdmin):
    pass


@admin.register(Skill)
class SkillAdmin(_MembersAdmin):
    pass


class TierForm(TenantModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        org = cleaned.get("organization")
        level = cleaned.get("level")
        if self.instance.pk is None and isinstance(org, Organization) and level is not None:
            # Escalation looks up rung n + 1, so the ladder has no gaps.
            top = Tier.objects.filter(organization=org).aggregate(top=Max("level"))["top"] or 0
            if level != top + 1:
                self.add_error("level", f"the next rung of this ladder is {top + 1}")
        return cleaned


@admin.register(Tier)
class TierAdmin(TenantAdmin[Tier]):
    form = TierForm
    list_display = ["level", "name", "role", "organization"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    fields = ["organization", "level", "name", "role"]

    def get_readonly_fields(self, request: HttpRequest, obj: Tier | None = None) -> list[str]:
        fields = super().get_readonly_fields(request, obj)
        if obj is not None:
            fields.append("level")
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Tier | None = None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        # Only the top rung can go, one at a time, so that no gap opens in the ladder.
        if obj is None:
            return True
        top = Tier.objects.filter(organization_id=obj.organization_id).aggregate(top=Max("level"))
        return bool(obj.level == top["top"])

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
