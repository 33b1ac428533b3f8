"""Delivery: the outbox of side effects (e-mail, chat channels, webhooks) retried with
backoff until delivered, and in-app notifications. Never imports api, web or playbooks."""

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "ladder.delivery"
    label = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from ladder.delivery import transports

        transports.load()
