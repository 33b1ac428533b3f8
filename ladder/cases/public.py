"""The public complaint and call-back form (no login, one per organization): which
organization a form belongs to, and filing through it with a limit per address.

The address is the one the web server hands Django in ``REMOTE_ADDR``. Behind a reverse
proxy, the proxy must set it to the client's address (e.g. gunicorn's
``--forwarded-allow-ips`` with the proxy's ``X-Forwarded-For``, or nginx's ``real_ip``
module); Ladder itself never trusts an ``X-Forwarded-For`` header, which any client can
write. Without that, every visitor shares the proxy's address and one limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.cases.actions import file_public_complaint
from ladder.cases.models import Case
from ladder.cases.models_public import PublicSubmission
from ladder.errors import DomainError, NotFound
from ladder.tenancy.models import Organization

WINDOW = dt.timedelta(hours=1)


class TooManySubmissions(DomainError):
    """One address filed as many complaints as the window allows (HTTP 429)."""

    def __init__(self, *, limit: int, retry_after: int) -> None:
        super().__init__(
            _(
                "no more than %(limit)s complaints an hour from one address; "
                "try again in %(seconds)s seconds"
            )
            % {"limit": limit, "seconds": retry_after}
        )
        self.limit = limit
        self.retry_after = retry_after


def public_organization(*, slug: str) -> Organization:
    """The organization whose public form lives at ``slug``."""
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise NotFound("organization")
    return organization


def address_digest(address: str) -> str:
    """A keyed digest of the client's address: equal addresses match, and the table
    cannot be turned back into addresses without the secret key."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def file_public_complaint_rate_limited(
    *,
    organization: Organization,
    address: str,
    name: str,
    email: str,
    phone: str,
    description: str,
    wants_callback: bool,
) -> Case:
    """Files a complaint from the public form unless this address already filed
    ``LADDER_PUBLIC_FORM_PER_HOUR`` of them in the last hour (:class:`TooManySubmissions`).
    Refused input (:class:`~ladder.errors.Invalid`) does not count against the limit.

    The submission is recorded before it is counted, so that of several sent at once from
    one address no more than the limit get through: each counts the others too."""
    limit: int = settings.LADDER_PUBLIC_FORM_PER_HOUR
    digest = address_digest(address)
    now = timezone.now()
    since = now - WINDOW
    PublicSubmission.objects.filter(organization=organization, created_at__lt=since).delete()
    mine = PublicSubmission.objects.create(
        organization=organization, address_digest=digest, created_at=now
    )
    recent = list(
        PublicSubmission.objects.filter(
            organization=organization, address_digest=digest, created_at__gte=since
        )
        .exclude(pk=mine.pk)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) >= limit:
        PublicSubmission.objects.filter(pk=mine.pk).delete()
        # The earliest of them leaves the window first (a limit of 0 closes the form).
        wait = (recent[0] + WINDOW - now if recent else WINDOW).total_seconds()
        raise TooManySubmissions(limit=limit, retry_after=max(1, math.ceil(wait)))
    try:
        return file_public_complaint(
            organization=organization,
            name=name,
            email=email,
            phone=phone,
            description=description,
            wants_callback=wants_callback,
        )
    except Exception:
        PublicSubmission.objects.filter(pk=mine.pk).delete()
        raise
