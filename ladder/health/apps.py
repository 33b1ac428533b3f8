from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "ladder.health"
    label = "health"
    verbose_name = "Signals and health"
