"""The public survey page at ``/s/<token>/``: no login, one answer per token. It speaks
the survey's language (the one its e-mail was written in) unless the visitor switched
language; it answers through :func:`ladder.surveys.actions.answer_survey` and thanks the
customer on a page of its own (post, redirect, get). An answered survey says so (409),
an expired one too (410), an unknown token is a 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ladder.errors import Invalid, NotFound
from ladder.surveys.actions import SurveyClosed, answer_survey, open_survey
from ladder.surveys.models import MAX_COMMENT, Survey
from ladder.surveys.queries import survey_by_token
from ladder.web.desk import field_errors

TEMPLATE = "web/public_survey.html"
CLOSED_STATUS = {"answered": 409, "expired": 410}


class SurveyForm(forms.Form):
    """The shape of the answer; ``answer_survey`` checks the ranges again."""

    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend or colleague?"),
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    csat = forms.TypedChoiceField(
        label=_("How satisfied are you with how your case was handled?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea,
    )


def _private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The token is in the address: never send it to another site as a referrer (not
    "no-referrer": browsers then send ``Origin: null`` and the CSRF check refuses the
    form), never cache or index the page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapped)


def _survey(request: HttpRequest, token: str) -> Survey:
    try:
        survey = survey_by_token(token=token)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    # The survey's language, unless the visitor chose one (the language cookie).
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(survey.language)
        request.LANGUAGE_CODE = survey.language
    return survey


def _closed(request: HttpRequest, survey: Survey, reason: str) -> HttpResponse:
    context = {"org": survey.organization, "survey": survey, "closed": reason}
    return render(request, TEMPLATE, context, status=CLOSED_STATUS[reason])


@_private
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    found = _survey(request, token)
    context: dict[str, Any] = {"org": found.organization, "survey": found}
    if request.method != "POST":
        try:
            open_survey(found, at=timezone.now())
        except SurveyClosed as exc:
            return _closed(request, found, exc.reason)
        context["form"] = SurveyForm()
        return render(request, TEMPLATE, context)
    form = SurveyForm(request.POST)
    context["form"] = form
    data = form.cleaned_data if form.is_valid() else None
    try:
        if data is None:
            # Still refuse an answered or expired survey first: that is what to say.
            open_survey(found, at=timezone.now())
            return render(request, TEMPLATE, context, status=422)
        answer_survey(token=token, nps=data["nps"], csat=data["csat"], comment=data["comment"])
    except SurveyClosed as exc:
        return _closed(request, found, exc.reason)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except Invalid as exc:
        for field, messages in field_errors(exc.errors).items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return render(request, TEMPLATE, context, status=422)
    return redirect("web:survey_done", token=token)


@_private
@require_GET
def survey_done(request: HttpRequest, token: str) -> HttpResponse:
    found = _survey(request, token)
    if found.answered_at is None:
        return redirect("web:survey", token=token)
    return render(request, TEMPLATE, {"org": found.organization, "survey": found, "done": True})
