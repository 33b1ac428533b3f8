from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "ladder.playbooks"
    label = "playbooks"
    verbose_name = "Playbooks"

    def ready(self) -> None:
        from ladder.cases import events
        from ladder.playbooks import (  # noqa: F401
            clocks,
            duties,
            engine,
            gates,
            handoffs,
            schedules,
            steps,
        )

        steps.load()
        events.listen(engine.on_case_event)
        events.guard_transitions(gates.unmet)
