from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "ladder.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        # Registers the deadline handler that sends a survey when its delay is up.
        from ladder.surveys import actions  # noqa: F401
