"""The customer page: contacts, products, money, owner, programs and the customer's
newest cases, with a link to the queue for the rest."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ladder.cases.casepage import customer_page
from ladder.playbooks.queries import account_decisions
from ladder.surveys.queries import answered_surveys_of_customer
from ladder.tenancy.actors import Actor
from ladder.web.desk import desk_view
from ladder.web.forms_case import KIND_LABELS, STATUS_LABELS, label
from ladder.web.views.case import http_errors
from ladder.web.views.health import health_panel
from ladder.web.views.programs import program_panel


@desk_view
def customer_view(request: HttpRequest, actor: Actor, customer_id: int) -> HttpResponse:
    with http_errors():
        page = customer_page(organization=actor.organization, customer_id=customer_id)
    customer = page.customer
    cases = [
        {
            "case": c,
            "status": label(STATUS_LABELS, c.status),
            "kind": label(KIND_LABELS, c.kind),
            "tier": page.tiers[c.tier].name if c.tier in page.tiers else "",
        }
        for c in page.cases
    ]
    context = {
        "customer": customer,
        "contacts": list(customer.contacts.all()),
        "products": list(customer.products.all()),
        "programs": program_panel(actor=actor, customer=customer),
        "health": health_panel(actor=actor, customer_id=customer.pk),
        "cases": cases,
        "more_cases": page.more_cases,
        "decisions": account_decisions(customer_id=customer.pk),
        "surveys": answered_surveys_of_customer(
            organization=actor.organization, customer_id=customer.pk
        ),
    }
    return render(request, "web/customer.html", context)
