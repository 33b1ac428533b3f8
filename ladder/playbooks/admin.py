"""Admin for playbook versions: read-only. A version is immutable once loaded, and
loading and activating go through ``playbooks.actions`` (``ladder playbook``), which
validate the file and keep the organization's tiers in step."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ladder.playbooks.models import PlaybookVersion
from ladder.tenancy.admin_scoping import TenantAdmin


@admin.register(PlaybookVersion)
class PlaybookVersionAdmin(TenantAdmin[PlaybookVersion]):
    list_display = [
        "name",
        "number",
        "is_active",
        "loaded_at",
        "loaded_by",
        "activated_at",
        "short_digest",
        "organization",
    ]
    list_filter = ["organization", "is_active"]
    list_select_related = ["organization"]
    search_fields = ["name", "filename", "digest"]
    readonly_fields = (
        "organization",
        "name",
        "number",
        "is_active",
        "filename",
        "digest",
        "loaded_by",
        "loaded_at",
        "activated_by",
        "activated_at",
        "source_text",
    )
    fields = readonly_fields

    @admin.display(description="digest")
    def short_digest(self, obj: PlaybookVersion) -> str:
        return obj.digest[:12]

    @admin.display(description="source")
    def source_text(self, obj: PlaybookVersion) -> SafeString:
        return format_html('<pre class="playbook-source">{}</pre>', obj.source)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: PlaybookVersion | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: PlaybookVersion | None = None
    ) -> bool:
        return False
