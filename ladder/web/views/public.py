"""The public complaint and call-back form: no login, one per organization at
``/o/<slug>/complaint/``. It speaks the organization's language unless the visitor
switched language; it files through :func:`ladder.cases.public.file_public_complaint_rate_limited`
and shows the reference number on a page of its own (post, redirect, get)."""

from __future__ import annotations

import math
from typing import Any, TypedDict

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from ladder.cases.public import (
    TooManySubmissions,
    file_public_complaint_rate_limited,
    public_organization,
)
from ladder.errors import Invalid, NotFound
from ladder.tenancy.models import Organization
from ladder.web.desk import field_errors

TEMPLATE = "web/public_complaint.html"
# What the done page shows, kept in the visitor's session rather than in its URL, so a
# shared or logged address reveals nothing about the complaint.
SESSION_KEY = "ladder.public_complaint"


class ComplaintForm(forms.Form):
    """The shape of the input, with Django's translated messages. The limits mirror
    ``file_public_complaint``, which checks them again and owns the rules between fields
    (an e-mail address or a phone number; a call-back needs a phone number)."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40)
    description = forms.CharField(label=_("What happened?"), max_length=5_000)
    wants_callback = forms.BooleanField(label=_("Please call me back"), required=False)


class Filed(TypedDict):
    slug: str
    reference: str
    name: str
    wants_callback: bool


def _organization(request: HttpRequest, slug: str) -> Organization:
    try:
        organization = public_organization(slug=slug)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    # The organization's language, unless the visitor chose one (the language cookie).
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(organization.locale)
        request.LANGUAGE_CODE = organization.locale
    return organization


def _client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a proxy in front must set it (see ladder.cases.public).
    return str(request.META.get("REMOTE_ADDR", ""))


@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(request, slug)
    context: dict[str, Any] = {"org": organization}
    if request.method != "POST":
        context["form"] = ComplaintForm()
        return render(request, TEMPLATE, context)
    form = ComplaintForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        return render(request, TEMPLATE, context)
    data = form.cleaned_data
    try:
        case = file_public_complaint_rate_limited(
            organization=organization,
            address=_client_address(request),
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            description=data["description"],
            wants_callback=data["wants_callback"],
        )
    except TooManySubmissions as exc:
        context["too_many"] = True
        context["retry_minutes"] = math.ceil(exc.retry_after / 60)
        response = render(request, TEMPLATE, context, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except Invalid as exc:
        for field, messages in field_errors(exc.errors).items():
            for message in messages:
                # The action's messages come translated into the visitor's language.
                form.add_error(field if field in form.fields else None, message)
        return render(request, TEMPLATE, context)
    filed: Filed = {
        "slug": organization.slug,
        "reference": case.reference,
        "name": data["name"],
        "wants_callback": bool(data["wants_callback"]),
    }
    request.session[SESSION_KEY] = filed
    return redirect("web:public_complaint_done", slug=organization.slug)


@require_GET
def complaint_done(request: HttpRequest, slug: str) -> HttpResponse:
    organization = _organization(request, slug)
    filed = request.session.get(SESSION_KEY)
    if not isinstance(filed, dict) or filed.get("slug") != organization.slug:
        # Nothing filed from this browser: the form is where to start.
        return redirect("web:public_complaint", slug=organization.slug)
    return render(request, "web/public_complaint_done.html", {"org": organization, "filed": filed})
