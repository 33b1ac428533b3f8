"""Admin for customer accounts with their contacts, products and programs.

Customers are written here directly rather than through ``customers.actions``: the
contacts, products and programs inline have no actions of their own, and one page
saves them in one transaction with the customer. The version is bumped with the same
conditional UPDATE as ``update_customer``, so API clients notice admin edits."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from ladder.customers.models import Contact, Customer, Product, Program
from ladder.errors import StaleVersion
from ladder.tenancy.admin_scoping import (
    VERSION_FIELD,
    TenantAdmin,
    TenantInline,
    VersionedModelForm,
)


class ContactFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        # The rule of create_customer: at most one contact is the primary one.
        primaries = [
            f
            for f in self.forms
            if f.cleaned_data.get("is_primary") and not f.cleaned_data.get("DELETE")
        ]
        if len(primaries) > 1:
            raise forms.ValidationError("at most one contact can be primary")


class ContactInline(TenantInline[Contact, Customer]):
    model = Contact
    formset = ContactFormSet
    fields = ["name", "relation", "email", "phone", "is_primary"]


class ProductInline(TenantInline[Product, Customer]):
    model = Product
    fields = ["name"]


class ProgramForm(forms.ModelForm[Program]):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("term_start"), cleaned.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", "is before term_start")
        return cleaned


class ProgramInline(TenantInline[Program, Customer]):
    model = Program
    form = ProgramForm
    fields = ["name", "unit", "purchased", "delivered", "term_start", "term_end", "cohort"]


@admin.register(Customer)
class CustomerAdmin(TenantAdmin[Customer]):
    form = VersionedModelForm
    list_display = ["name", "organization", "owner", "mrr", "created_at"]
    list_filter = ["organization", ("owner", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organization", "owner"]
    search_fields = ["name", "contacts__name", "contacts__email"]
    fields = [
        "organization",
        "name",
        "owner",
        "external_link",
        "mrr",
        "contract_value",
        "version",
        "created_at",
        "updated_at",
        VERSION_FIELD,
    ]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ContactInline, ProductInline, ProgramInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        if change:
            expected: int = form.cleaned_data[VERSION_FIELD]
            rows = Customer.objects.filter(pk=obj.pk, version=expected).update(version=expected + 1)
            if rows != 1:
                current = Customer.objects.values_list("version", flat=True).get(pk=obj.pk)
                # Raised inside the admin's transaction: nothing of this save is kept.
                raise StaleVersion(expected=expected, current=current)
            obj.version = expected + 1
        super().save_model(request, obj, form, change)
