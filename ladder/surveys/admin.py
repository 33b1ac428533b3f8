"""Surveys in the admin, read only: written by the survey actions alone (the token is
never shown; only its digest is stored)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from ladder.surveys.models import Survey
from ladder.tenancy.admin_scoping import TenantAdmin


@admin.register(Survey)
class SurveyAdmin(TenantAdmin[Survey]):
    list_display = ["sent_at", "case", "customer", "band", "nps", "csat", "answered_at"]
    list_filter = ["organization", "band"]
    ordering = ["-id"]
    exclude = ["token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Survey | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Survey | None = None) -> bool:
        return False
