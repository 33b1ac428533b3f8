"""E-mail through Django's e-mail backend (SMTP in production). The idempotency key
goes out as X-Ladder-Delivery and, hashed, as the Message-ID, so a retried message is
recognisably the same message."""

from __future__ import annotations

import hashlib
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from ladder.delivery.models import AttemptOutcome, Delivery, DeliveryChannel
from ladder.delivery.transports import Sent, transport

DELIVERY_HEADER = "X-Ladder-Delivery"


def message_id(key: str) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "ladder.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def _smtp_outcome(code: int) -> AttemptOutcome:
    # 5xx is the server's final word (no such mailbox, refused); 4xx says try later.
    return AttemptOutcome.PERMANENT if 500 <= code < 600 else AttemptOutcome.RETRY


@transport(DeliveryChannel.EMAIL)
def send_email(delivery: Delivery) -> Sent:
    message = EmailMessage(
        subject=delivery.subject,
        body=delivery.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to],
        headers={
            "Message-ID": message_id(delivery.idempotency_key),
            DELIVERY_HEADER: delivery.idempotency_key,
        },
        connection=get_connection(fail_silently=False),
    )
    try:
        sent = message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        worst = max(codes) if codes else 550
        return Sent(_smtp_outcome(worst), worst, f"recipient refused: {exc.recipients}")
    except smtplib.SMTPResponseException as exc:
        return Sent(
            _smtp_outcome(exc.smtp_code), exc.smtp_code, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        )
    except (smtplib.SMTPException, OSError) as exc:
        return Sent(AttemptOutcome.RETRY, None, f"{type(exc).__name__}: {exc}")
    if sent != 1:
        return Sent(AttemptOutcome.RETRY, None, "the e-mail backend sent nothing")
    return Sent(AttemptOutcome.DELIVERED)
