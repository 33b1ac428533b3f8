"""Reads of customer accounts shared by the interfaces."""

from __future__ import annotations

from ladder.customers.models import Customer
from ladder.errors import NotFound
from ladder.paging import Page, keyset_page
from ladder.tenancy.models import Organization


def list_customers(
    *, organization: Organization, q: str | None, cursor: str | None, limit: int
) -> Page[Customer]:
    qs = Customer.objects.filter(organization=organization).select_related("owner")
    if q and q.strip():
        qs = qs.filter(name__icontains=q.strip())
    return keyset_page(qs, order=("name", "id"), cursor=cursor, limit=limit)


def get_customer(*, organization: Organization, customer_id: int) -> Customer:
    customer = (
        Customer.objects.select_related("owner")
        .prefetch_related("contacts", "products", "programs")
        .filter(organization=organization, pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound("customer")
    return customer
