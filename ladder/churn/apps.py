from django.apps import AppConfig


class ChurnConfig(AppConfig):
    name = "ladder.churn"
    label = "churn"
    verbose_name = "Churn codes"

    def ready(self) -> None:
        from ladder.cases import events
        from ladder.churn import gates

        events.guard_transitions(gates.missing_churn_codes)
