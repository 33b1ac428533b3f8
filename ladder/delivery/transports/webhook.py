"""Webhooks: the delivery's subject, body and payload as signed JSON."""

from __future__ import annotations

from ladder.delivery.models import Delivery, DeliveryChannel
from ladder.delivery.transports import Sent, transport
from ladder.delivery.transports.http import envelope, post_signed


@transport(DeliveryChannel.WEBHOOK)
def send_webhook(delivery: Delivery) -> Sent:
    document = {
        **envelope(delivery),
        "subject": delivery.subject,
        "body": delivery.body,
        "payload": delivery.payload,
    }
    return post_signed(delivery, document)
