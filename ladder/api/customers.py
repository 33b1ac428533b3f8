"""/api/v1/customers."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router
from ninja.responses import Status as Reply

from ladder.api.auth import actor_of
from ladder.api.http import (
    IdempotencyKeyHeader,
    IfMatch,
    etag,
    expected_version,
    idempotent,
    responses,
)
from ladder.api.schemas import (
    Cursor,
    CustomerIn,
    CustomerOut,
    CustomerPageOut,
    CustomerPatch,
    Limit,
    StaleCustomerOut,
    customer_out,
    customer_summary_out,
)
from ladder.customers import actions, queries
from ladder.customers.actions import ContactInput, CustomerEdit, ProgramInput
from ladder.errors import Invalid, StaleVersion

router = Router(tags=["customers"])


@router.get("/customers", response=responses({200: CustomerPageOut}), summary="List customers")
def list_customers(
    request: HttpRequest,
    q: Annotated[str, Field(max_length=200)] | None = None,
    cursor: Cursor | None = None,
    limit: Limit = 50,
) -> CustomerPageOut:
    page = queries.list_customers(
        organization=actor_of(request).organization, q=q, cursor=cursor, limit=limit
    )
    return CustomerPageOut(
        items=[customer_summary_out(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/customers", response=responses({201: CustomerOut}, 403, 409), summary="Create a customer"
)
def create_customer(
    request: HttpRequest,
    response: HttpResponse,
    body: CustomerIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Reply[Any]:
    def run() -> Reply[CustomerOut]:
        actor = actor_of(request)
        customer = actions.create_customer(
            actor=actor,
            name=body.name,
            owner_id=body.owner_id,
            external_link=body.external_link,
            mrr=body.mrr.to_money("mrr") if body.mrr else None,
            contract_value=body.contract_value.to_money("contract_value")
            if body.contract_value
            else None,
            contacts=[ContactInput(**c.model_dump()) for c in body.contacts],
            products=body.products,
            programs=[ProgramInput(**p.model_dump()) for p in body.programs],
        )
        fresh = queries.get_customer(organization=actor.organization, customer_id=customer.pk)
        response["ETag"] = etag(fresh.version)
        return Reply(201, customer_out(fresh))

    return idempotent(request, idempotency_key, body, run, response)


@router.get(
    "/customers/{customer_id}",
    response=responses({200: CustomerOut}, 404),
    summary="Read a customer",
)
def get_customer(request: HttpRequest, response: HttpResponse, customer_id: int) -> CustomerOut:
    customer = queries.get_customer(
        organization=actor_of(request).organization, customer_id=customer_id
    )
    response["ETag"] = etag(customer.version)
    return customer_out(customer)


@router.patch(
    "/customers/{customer_id}",
    response=responses({200: CustomerOut, 412: StaleCustomerOut}, 403, 404, 428),
    summary="Edit a customer",
)
def update_customer(
    request: HttpRequest,
    response: HttpResponse,
    customer_id: int,
    body: CustomerPatch,
    if_match: IfMatch = None,
) -> Reply[Any]:
    version = expected_version(if_match)
    actor = actor_of(request)
    given = body.model_fields_set
    changes: CustomerEdit = {}
    if "name" in given:
        if body.name is None:
            raise Invalid.field("name", "cannot be null")
        changes["name"] = body.name
    if "external_link" in given:
        changes["external_link"] = body.external_link or ""
    if "owner_id" in given:
        changes["owner_id"] = body.owner_id
    if "mrr" in given:
        changes["mrr"] = body.mrr.to_money("mrr") if body.mrr else None
    if "contract_value" in given:
        changes["contract_value"] = (
            body.contract_value.to_money("contract_value") if body.contract_value else None
        )
    try:
        actions.update_customer(
            actor=actor, customer_id=customer_id, expected_version=version, changes=changes
        )
    except StaleVersion as exc:
        current = queries.get_customer(organization=actor.organization, customer_id=customer_id)
        return Reply(412, StaleCustomerOut(detail=str(exc), current=customer_out(current)))
    fresh = queries.get_customer(organization=actor.organization, customer_id=customer_id)
    response["ETag"] = etag(fresh.version)
    return Reply(200, customer_out(fresh))
