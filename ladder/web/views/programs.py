"""The programs panel of the customer page: each program with its pace, a form to add
a delivered session, and a CSV upload of sessions (TD3, ED1). Forms post here and come
back to the customer page with what happened."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ladder.customers.models import Customer, ProgramStatus
from ladder.errors import Invalid, NotFound
from ladder.programs import actions, queries
from ladder.tenancy.actors import Actor
from ladder.web.desk import desk_view
from ladder.web.forms_case import UNIT_LABELS, label
from ladder.web.views.case import http_errors

STATUS_LABELS: dict[str, Promise] = {
    ProgramStatus.WAITING: gettext_lazy("Waiting"),
    ProgramStatus.ACTIVE: gettext_lazy("Active"),
    ProgramStatus.ENDED: gettext_lazy("Ended"),
}
MAX_UPLOAD = 10 * 1024 * 1024
SHOWN_ERRORS = 20


class SessionForm(forms.Form):
    """A delivered session; the time is the organization's wall-clock time."""

    held_at = forms.DateTimeField(
        label=gettext_lazy("Held at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    units = forms.DecimalField(
        label=gettext_lazy("Lessons or hours"), max_digits=6, decimal_places=2, initial=1
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))


def program_panel(*, actor: Actor, customer: Customer) -> dict[str, Any]:
    """The panel's context: the customer's programs with their pace, and the forms."""
    rows = queries.programs_of(organization=actor.organization, customer=customer)
    return {
        "rows": [
            {
                "row": r,
                "unit": label(UNIT_LABELS, r.program.unit),
                "status": label(STATUS_LABELS, r.program.status),
                "behind": r.pace_behind is not None and r.pace_behind > 0,
            }
            for r in rows
        ],
        "now": timezone.localtime(timezone.now(), actor.organization.zone).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    }


def _back(customer_id: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("web:customer", kwargs={"customer_id": customer_id}) + "#programs-heading"
    )


def _customer_of(actor: Actor, customer_id: int) -> Customer:
    customer = Customer.objects.filter(organization=actor.organization, pk=customer_id).first()
    if customer is None:
        raise NotFound("customer")
    return customer


def _say_invalid(request: HttpRequest, exc: Invalid) -> None:
    for e in exc.errors:
        messages.error(request, f"{e.field}: {e.message}")


@require_POST
@desk_view
def add_session(
    request: HttpRequest, actor: Actor, customer_id: int, program_id: int
) -> HttpResponse:
    """Records one session of one of the customer's programs."""
    with http_errors():
        customer = _customer_of(actor, customer_id)
        if not customer.programs.filter(pk=program_id).exists():
            raise NotFound("program")
    form = SessionForm(request.POST)
    with timezone.override(actor.organization.zone):
        valid = form.is_valid()
    if not valid:
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[name].label}: {error}")
        return _back(customer_id)
    data = form.cleaned_data
    try:
        with http_errors():
            actions.record_session(
                actor=actor,
                program_id=program_id,
                held_at=data["held_at"],
                units=Decimal(data["units"]),
                note=data["note"],
            )
    except Invalid as exc:
        _say_invalid(request, exc)
        return _back(customer_id)
    messages.success(request, _("Session recorded."))
    return _back(customer_id)


@require_POST
@desk_view
def import_sessions(request: HttpRequest, actor: Actor, customer_id: int) -> HttpResponse:
    """Imports a CSV of sessions; each refused row is shown with its line number."""
    with http_errors():
        _customer_of(actor, customer_id)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file to import."))
        return _back(customer_id)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD:
        messages.error(request, _("The file is larger than 10 MB."))
        return _back(customer_id)
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
        return _back(customer_id)
    try:
        with http_errors():
            report = actions.import_sessions(actor=actor, text=text)
    except Invalid as exc:
        _say_invalid(request, exc)
        return _back(customer_id)
    messages.success(
        request,
        _("Imported %(imported)s session(s); %(duplicates)s already recorded were skipped.")
        % {"imported": report.imported, "duplicates": report.duplicates},
    )
    for line, message in report.errors[:SHOWN_ERRORS]:
        messages.error(
            request, _("Line %(line)s: %(message)s") % {"line": line, "message": message}
        )
    if len(report.errors) > SHOWN_ERRORS:
        messages.error(
            request,
            _("%(count)s more rows were refused.") % {"count": len(report.errors) - SHOWN_ERRORS},
        )
    return _back(customer_id)
