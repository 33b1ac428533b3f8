"""Admin for churn codes: read-only. Taxonomies are published, codes chosen and the
required kinds set through ``churn.actions`` (the API and /settings/churn-codes/),
which validate them and write the audit rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ladder.churn.models import CaseChurnCodes, ConfigurationChange, TaxonomyVersion
from ladder.tenancy.admin_scoping import TenantAdmin


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TaxonomyVersion)
class TaxonomyVersionAdmin(_ReadOnly, TenantAdmin[TaxonomyVersion]):
    list_display = ["number", "published_at", "published_by_label", "organization"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    fields = readonly_fields = (
        "organization",
        "number",
        "published_by_label",
        "published_at",
        "categories",
    )


@admin.register(CaseChurnCodes)
class CaseChurnCodesAdmin(_ReadOnly, TenantAdmin[CaseChurnCodes]):
    list_display = ["case", "category", "reason", "set_by_label", "set_at", "organization"]
    list_filter = ["organization", "category"]
    list_select_related = ["organization", "case"]
    fields = readonly_fields = (
        "organization",
        "case",
        "taxonomy",
        "category",
        "category_label",
        "reason",
        "reason_label",
        "secondary",
        "set_by_label",
        "set_at",
    )


@admin.register(ConfigurationChange)
class ConfigurationChangeAdmin(_ReadOnly, TenantAdmin[ConfigurationChange]):
    list_display = ["kind", "actor_label", "at", "organization"]
    list_filter = ["organization", "kind"]
    list_select_related = ["organization"]
    fields = readonly_fields = ("organization", "kind", "actor_label", "data", "at")
