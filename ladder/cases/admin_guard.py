"""Admin for the reply guard (ED7): each organization's forbidden phrases, with what to
say instead. Scoped like every Ladder admin (a tenant admin sees and edits only their own
organization's list; see :mod:`ladder.tenancy.admin_scoping`). Whether the guard warns or
blocks is the organization's ``reply_guard`` setting, on the organization's page.

Phrases are configuration, not case history, so they are written here directly, like
teams and tiers; the form keeps the rules of ``cases.configure.add_forbidden_phrase``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from ladder.cases.models import ForbiddenPhrase
from ladder.tenancy.admin_scoping import TenantAdmin, TenantModelForm
from ladder.tenancy.models import Locale, Organization

LANGUAGE_CHOICES = [("", "any language"), *Locale.choices]


class ForbiddenPhraseForm(TenantModelForm):
    language = forms.ChoiceField(choices=LANGUAGE_CHOICES, required=False)

    class Meta:
        model = ForbiddenPhrase
        fields = ["organization", "phrase", "suggestion", "language"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        phrase = cleaned.get("phrase")
        chosen = cleaned.get("organization")
        org_id = chosen.pk if isinstance(chosen, Organization) else self.instance.organization_id
        if phrase and org_id is not None:
            # Matching ignores case, so two spellings of one phrase would be one entry.
            same = ForbiddenPhrase.objects.filter(organization_id=org_id, phrase__iexact=phrase)
            if self.instance.pk is not None:
                same = same.exclude(pk=self.instance.pk)
            if same.exists():
                self.add_error("phrase", "is already on the list")
        suggestion = cleaned.get("suggestion")
        if suggestion is not None and not suggestion.strip():
            self.add_error("suggestion", "say what to write instead")
        return cleaned


@admin.register(ForbiddenPhrase)
class ForbiddenPhraseAdmin(TenantAdmin[ForbiddenPhrase]):
    form = ForbiddenPhraseForm
    list_display = ["phrase", "suggestion", "language", "organization"]
    list_filter = ["organization", "language"]
    list_select_related = ["organization"]
    search_fields = ["phrase", "suggestion"]
    fields = ["organization", "phrase", "suggestion", "language"]
