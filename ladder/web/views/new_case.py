"""New case from the desk: an agent taking a phone call picks the customer (or creates
one), sees the cases that customer already has open and when each was last updated
(EB1), and then opens the case — or goes to the open one instead."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ladder.cases import actions
from ladder.cases.casepage import (
    CaseCheck,
    open_cases_of,
    search_customers,
    team_choice,
)
from ladder.customers.actions import ContactInput, create_customer
from ladder.errors import Invalid
from ladder.money import make_money
from ladder.tenancy.actors import Actor
from ladder.web.desk import desk_view
from ladder.web.forms_case import (
    STATUS_LABELS,
    CustomerForm,
    NewCaseForm,
    label,
)
from ladder.web.views.case import case_url, http_errors

MAX_QUERY = 200


def _id(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number < 2**63 else None


def _open_rows(check: CaseCheck) -> list[dict[str, Any]]:
    return [
        {
            "case": c,
            "status": label(STATUS_LABELS, c.status),
            "ago": timesince(c.updated_at),
        }
        for c in check.open_cases
    ]


def _case_form(actor: Actor, data: Any = None, check: CaseCheck | None = None) -> NewCaseForm:
    org = actor.organization
    choice = team_choice(organization=org, staff=actor.staff)
    initial: dict[str, Any] = {"team": choice.mine}
    if check is not None:
        initial["customer"] = check.customer.pk
        initial["seen_open"] = ",".join(str(c.pk) for c in check.open_cases)
    return NewCaseForm(
        data,
        initial=initial,
        currency=org.currency,
        teams=[(t.pk, t.name) for t in choice.teams],
    )


def _render(
    request: HttpRequest,
    actor: Actor,
    *,
    check: CaseCheck | None = None,
    case_form: NewCaseForm | None = None,
    customer_form: CustomerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    q = request.GET.get("q", "")[:MAX_QUERY]
    context: dict[str, Any] = {
        "q": q,
        "matches": search_customers(organization=actor.organization, q=q) if q else [],
        "check": check,
        "open_rows": _open_rows(check) if check is not None else [],
        "customer_form": customer_form or CustomerForm(),
        "case_form": case_form
        if case_form is not None
        else (_case_form(actor, check=check) if check is not None else None),
    }
    return render(request, "web/new_case.html", context, status=status)


@desk_view
def new_case(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("step") == "customer":
            return _add_customer(request, actor)
        return _open_case(request, actor)
    customer_id = _id(request.GET.get("customer"))
    check = None
    if customer_id is not None:
        with http_errors():
            check = open_cases_of(organization=actor.organization, customer_id=customer_id)
    return _render(request, actor, check=check)


def _add_customer(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CustomerForm(request.POST)
    if not form.is_valid():
        return _render(request, actor, customer_form=form, status=422)
    data = form.cleaned_data
    has_contact = any(data[k].strip() for k in ("contact_name", "phone", "email"))
    contacts = (
        [
            ContactInput(
                name=data["contact_name"].strip() or data["name"],
                email=data["email"].strip(),
                phone=data["phone"].strip(),
                is_primary=True,
            )
        ]
        if has_contact
        else []
    )
    try:
        with http_errors():
            customer = create_customer(actor=actor, name=data["name"], contacts=contacts)
    except Invalid as exc:
        form.add_domain_errors(exc.errors)
        return _render(request, actor, customer_form=form, status=422)
    messages.success(request, _("Customer %(name)s added. Now the case.") % {"name": customer.name})
    return HttpResponseRedirect(f"{reverse('web:new_case')}?customer={customer.pk}")


def _open_case(request: HttpRequest, actor: Actor) -> HttpResponse:
    org = actor.organization
    form = _case_form(actor, data=request.POST)
    if not form.is_valid():
        customer_id = _id(str(form.data.get("customer", "")))
        check = None
        if customer_id is not None:
            with http_errors():
                check = open_cases_of(organization=org, customer_id=customer_id)
        return _render(request, actor, check=check, case_form=form, status=422)
    data = form.cleaned_data
    with http_errors():
        check = open_cases_of(organization=org, customer_id=data["customer"])
    open_ids = {c.pk for c in check.open_cases}
    # EB1: a customer with an open case is shown it first; a new case is opened only
    # when the agent, having seen every open case, says the call is about another thing.
    if open_ids and not (data["confirm_new"] and open_ids <= form.seen_ids()):
        retry = _case_form(actor, data=_with_seen(request.POST, open_ids), check=check)
        retry.is_valid()
        retry.add_error(
            "confirm_new",
            _(
                "This customer already has an open case (see above). Open it, or tick "
                "this box if the call is about something else."
            ),
        )
        return _render(request, actor, check=check, case_form=retry, status=409)
    amount = data["money_at_stake"]
    try:
        with http_errors():
            case = actions.create_case(
                actor=actor,
                customer_id=check.customer.pk,
                kind=data["kind"],
                channel=data["channel"],
                subject=data["subject"],
                description=data["description"],
                request_type=data["request_type"],
                category=data["category"],
                severity=data["severity"],
                money_at_stake=make_money(amount, org.currency, "money_at_stake")
                if amount is not None
                else None,
                owner_id=actor.staff.pk if data["take"] and actor.staff is not None else None,
                team_id=data["team"],
            )
    except Invalid as exc:
        form.add_domain_errors(exc.errors)
        return _render(request, actor, check=check, case_form=form, status=422)
    messages.success(request, _("Case %(reference)s opened.") % {"reference": case.reference})
    return HttpResponseRedirect(case_url(case.pk))


def _with_seen(posted: Any, open_ids: set[int]) -> Any:
    """The posted form, now carrying the open cases the agent is being shown."""
    data = posted.copy()
    data["seen_open"] = ",".join(str(i) for i in sorted(open_ids))
    data.pop("confirm_new", None)
    return data


@require_GET
@desk_view
def customer_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The customers whose name holds what the agent typed, as they type (htmx)."""
    q = request.GET.get("q", "")[:MAX_QUERY]
    matches = search_customers(organization=actor.organization, q=q)
    return render(request, "web/new_case.html#customer_results", {"q": q, "matches": matches})
