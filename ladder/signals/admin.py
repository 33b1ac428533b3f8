"""Admin for signal intake: the webhook's secret (change it with `ladder signals
hook-secret ORG`, which shows the new one once) and the CSV imports, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ladder.signals.models import SignalHook, SignalImport
from ladder.tenancy.admin_scoping import TenantAdmin


@admin.register(SignalHook)
class SignalHookAdmin(TenantAdmin[SignalHook]):
    list_display = ["organization", "active", "rotated_at"]
    fields = ["organization", "active", "rotated_at"]
    readonly_fields = ["organization", "rotated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SignalImport)
class SignalImportAdmin(TenantAdmin[SignalImport]):
    list_display = ["filename", "status", "created", "duplicates", "rejected", "queued_at"]
    list_filter = ["status"]
    exclude = ["errors"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
