"""Chat channels: an incoming-webhook post whose ``text`` is what people read (the
shape Slack, Mattermost and Teams' workflows accept), with Ladder's details beside it."""

from __future__ import annotations

from ladder.delivery.models import Delivery, DeliveryChannel
from ladder.delivery.transports import Sent, transport
from ladder.delivery.transports.http import envelope, post_signed


@transport(DeliveryChannel.CHAT)
def send_chat(delivery: Delivery) -> Sent:
    text = "\n".join(part for part in (delivery.subject, delivery.body) if part)
    return post_signed(
        delivery, {"text": text, "ladder": {**envelope(delivery), **delivery.payload}}
    )
