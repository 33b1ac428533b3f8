from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "ladder.delivery"
    label = "delivery"
    verbose_name = "Delivery"
