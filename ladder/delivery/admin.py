"""Admin for integrations (an organization's webhook and chat endpoints), and the
outbox, read only, so an admin can see what went out and why something did not."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from ladder.delivery.models import Delivery, DeliveryAttempt, Integration
from ladder.tenancy.admin_scoping import ReadOnlyInline, TenantAdmin, TenantModelForm


class IntegrationForm(TenantModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Integration
        fields = ["organization", "kind", "name", "url", "secret", "enabled"]
        # Masked on screen; kept when the form is saved again.
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if not url.startswith("https://") and not url.startswith("http://"):
            raise forms.ValidationError("must be an http(s) URL")
        return url


@admin.register(Integration)
class IntegrationAdmin(TenantAdmin[Integration]):
    form = IntegrationForm
    list_display = ["kind", "name", "url", "enabled", "organization"]
    list_filter = ["organization", "kind", "enabled"]


class AttemptInline(ReadOnlyInline[DeliveryAttempt, Delivery]):
    model = DeliveryAttempt
    fields = ["number", "started_at", "finished_at", "outcome", "status_code", "error", "worker"]
    readonly_fields = (
        "number",
        "started_at",
        "finished_at",
        "outcome",
        "status_code",
        "error",
        "worker",
    )


@admin.register(Delivery)
class DeliveryAdmin(TenantAdmin[Delivery]):
    """Written only by the delivery actions: listed and viewed, never edited here."""

    list_display = ["created_at", "channel", "to", "subject", "status", "attempts", "organization"]
    list_filter = ["organization", "channel", "status"]
    search_fields = ["idempotency_key", "to", "subject"]
    ordering = ["-id"]
    inlines = [AttemptInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False
