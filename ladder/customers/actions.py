"""Use cases on customer accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from ladder.customers.models import Contact, Customer, Product, Program, ProgramUnit, Session
from ladder.errors import FieldError, Invalid, NotFound, StaleVersion
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Staff
from ladder.tenancy.permissions import Permission


@dataclass(frozen=True)
class ContactInput:
    name: str
    relation: str = ""
    email: str = ""
    phone: str = ""
    is_primary: bool = False


@dataclass(frozen=True)
class ProgramInput:
    name: str
    purchased: Decimal
    unit: str = ProgramUnit.LESSONS
    delivered: Decimal = Decimal(0)
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    cohort: str = ""


def _owner_in(org: Organization, owner_id: int) -> Staff:
    owner = Staff.objects.filter(organization=org, pk=owner_id).first()
    if owner is None:
        raise Invalid.field(
            "owner_id", _("no staff member %(id)s in your organization") % {"id": owner_id}
        )
    return owner


def _check_link(link: str, errors: list[FieldError]) -> None:
    if link:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            errors.append(FieldError("external_link", _("is not an http(s) URL")))


def _check_contacts(contacts: Sequence[ContactInput], errors: list[FieldError]) -> None:
    for i, c in enumerate(contacts):
        if not c.name.strip():
            errors.append(FieldError(f"contacts.{i}.name", _("is required")))
        if c.email:
            try:
                EmailValidator()(c.email)
            except ValidationError:
                errors.append(FieldError(f"contacts.{i}.email", _("is not an e-mail address")))
    if sum(c.is_primary for c in contacts) > 1:
        errors.append(FieldError("contacts", _("at most one contact can be primary")))


def _check_programs(programs: Sequence[ProgramInput], errors: list[FieldError]) -> None:
    for i, p in enumerate(programs):
        if not p.name.strip():
            errors.append(FieldError(f"programs.{i}.name", _("is required")))
        if p.unit not in ProgramUnit.values:
            errors.append(
                FieldError(
                    f"programs.{i}.unit",
                    _("must be one of %(choices)s") % {"choices": ", ".join(ProgramUnit.values)},
                )
            )
        if p.purchased < 0:
            errors.append(FieldError(f"programs.{i}.purchased", _("cannot be negative")))
        if p.delivered < 0:
            errors.append(FieldError(f"programs.{i}.delivered", _("cannot be negative")))
        if p.term_start and p.term_end and p.term_end < p.term_start:
            errors.append(FieldError(f"programs.{i}.term_end", _("is before term_start")))


def create_customer(
    *,
    actor: Actor,
    name: str,
    owner_id: int | None = None,
    external_link: str = "",
    mrr: Money | None = None,
    contract_value: Money | None = None,
    contacts: Sequence[ContactInput] = (),
    products: Sequence[str] = (),
    programs: Sequence[ProgramInput] = (),
) -> Customer:
    actor.require(Permission.CUSTOMER_EDIT)
    org = actor.organization
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError("name", _("is required")))
    _check_link(external_link, errors)
    _check_contacts(contacts, errors)
    _check_programs(programs, errors)
    for i, product in enumerate(products):
        if not product.strip():
            errors.append(FieldError(f"products.{i}", _("is empty")))
    if errors:
        raise Invalid(errors)
    owner = _owner_in(org, owner_id) if owner_id is not None else None
    now = timezone.now()
    with transaction.atomic(durable=True):
        # django-money fields take Money; the stubs only see their DecimalField base.
        customer = Customer.objects.create(  # type: ignore[misc]
            organization=org,
            name=name.strip(),
            owner=owner,
            external_link=external_link,
            mrr=mrr,
            contract_value=contract_value,
        )
        Contact.objects.bulk_create(
            Contact(
                customer=customer,
                name=c.name.strip(),
                relation=c.relation,
                email=c.email,
                phone=c.phone,
                is_primary=c.is_primary,
            )
            for c in contacts
        )
        Product.objects.bulk_create(Product(customer=customer, name=p.strip()) for p in products)
        created = Program.objects.bulk_create(
            Program(
                customer=customer,
                name=p.name.strip(),
                unit=p.unit,
                purchased=p.purchased,
                delivered=p.delivered,
                term_start=p.term_start,
                term_end=p.term_end,
                cohort=p.cohort,
            )
            for p in programs
        )
        # Lessons delivered before the customer reached Ladder are one opening session,
        # so that a program's sessions always add up to its ``delivered``.
        Session.objects.bulk_create(
            Session(
                program=program,
                held_at=now,
                units=program.delivered,
                note=_("delivered before the program was recorded"),
                recorded_by=actor.staff,
                recorded_at=now,
            )
            for program in created
            if program.delivered > 0
        )
    return customer


class CustomerEdit(TypedDict, total=False):
    """The editable fields of a customer; a key that is present is a change."""

    name: str
    owner_id: int | None
    external_link: str
    mrr: Money | None
    contract_value: Money | None


def _money_columns(field: str, money: Money | None) -> dict[str, Any]:
    """The two columns django-money keeps for one field, for a queryset update."""
    return {
        field: money.amount if money is not None else None,
        f"{field}_currency": str(money.currency) if money is not None else None,
    }


def update_customer(
    *, actor: Actor, customer_id: int, expected_version: int, changes: CustomerEdit
) -> Customer:
    actor.require(Permission.CUSTOMER_EDIT)
    org = actor.organization
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if "name" in changes:
        if not changes["name"].strip():
            errors.append(FieldError("name", _("is required")))
        values["name"] = changes["name"].strip()
    if "external_link" in changes:
        _check_link(changes["external_link"], errors)
        values["external_link"] = changes["external_link"]
    if errors:
        raise Invalid(errors)
    if "owner_id" in changes:
        owner_id = changes["owner_id"]
        values["owner"] = _owner_in(org, owner_id) if owner_id is not None else None
    if "mrr" in changes:
        values.update(_money_columns("mrr", changes["mrr"]))
    if "contract_value" in changes:
        values.update(_money_columns("contract_value", changes["contract_value"]))
    with transaction.atomic(durable=True):
        customer = (
            Customer.objects.select_for_update().filter(organization=org, pk=customer_id).first()
        )
        if customer is None:
            raise NotFound("customer")
        if customer.version != expected_version:
            raise StaleVersion(expected=expected_version, current=customer.version)
        if not values:
            return customer
        rows = Customer.objects.filter(pk=customer.pk, version=expected_version).update(
            **values, version=expected_version + 1, updated_at=timezone.now()
        )
        if rows != 1:
            current = Customer.objects.values_list("version", flat=True).get(pk=customer.pk)
            raise StaleVersion(expected=expected_version, current=current)
    return Customer.objects.get(pk=customer_id)
