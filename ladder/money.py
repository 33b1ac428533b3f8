"""Money is a Decimal with a currency (py-moneyed's Money, stored by django-money)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from djmoney.models.fields import MoneyField
from djmoney.money import Money

from ladder.errors import FieldError, Invalid

# MoneyField(max_digits=14, decimal_places=2): twelve digits before the point.
MAX_AMOUNT = Decimal("999999999999.99")


def amount_errors(value: Decimal, field: str) -> list[FieldError]:
    """What is wrong with an amount of money, naming ``<field>.amount``: it must be
    finite, not negative, fit the column and have at most two decimal places."""
    if not value.is_finite():
        return [FieldError(f"{field}.amount", _("must be a finite number"))]
    if value < 0:
        return [FieldError(f"{field}.amount", _("cannot be negative"))]
    if value > MAX_AMOUNT:
        limit = _("cannot exceed %(limit)s") % {"limit": MAX_AMOUNT}
        return [FieldError(f"{field}.amount", limit)]
    if value != value.quantize(Decimal("0.01")):
        return [FieldError(f"{field}.amount", _("has more than two decimal places"))]
    return []


def make_money(amount: Decimal | str, currency: str, field: str) -> Money:
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        raise Invalid.field(f"{field}.amount", _("is not a decimal number")) from None
    errors = amount_errors(value, field)
    if currency not in settings.CURRENCIES:
        errors.append(
            FieldError(
                f"{field}.currency",
                _("must be one of %(choices)s") % {"choices": ", ".join(settings.CURRENCIES)},
            )
        )
    if errors:
        raise Invalid(errors)
    return Money(value, currency)


def money_field(verbose_name: str | None = None, **kwargs: Any) -> Any:
    """A nullable django-money field: amount plus a ``<name>_currency`` column.

    Typed ``Any`` because django-money ships no type information; values are
    :class:`Money` (or ``None``)."""
    return MoneyField(  # type: ignore[no-untyped-call]
        verbose_name,
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        default_currency=None,
        **kwargs,
    )
