from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "ladder.health"
    label = "health"
    verbose_name = "Signals and health"

    def ready(self) -> None:
        from ladder.health import conditions

        conditions.register()
