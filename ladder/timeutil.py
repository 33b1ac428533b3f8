"""Small helpers for aware datetimes."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.errors import Invalid

# How far in the future a client clock may run before we call a time "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)


def require_aware(value: dt.datetime, field: str) -> dt.datetime:
    if timezone.is_naive(value):
        raise Invalid.field(
            field, _("must include a time zone offset, e.g. 2026-11-23T09:00:00+08:00")
        )
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        # 0001-01-01T00:00+01:00 is before the first instant a datetime can hold in UTC.
        raise Invalid.field(field, _("is out of the range of dates Ladder can store")) from None


def require_not_future(value: dt.datetime, field: str) -> dt.datetime:
    value = require_aware(value, field)
    if value > timezone.now() + CLOCK_SKEW:
        raise Invalid.field(field, _("cannot be in the future"))
    return value
