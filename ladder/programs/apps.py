from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "ladder.programs"
    label = "programs"
    verbose_name = "Programs"

    def ready(self) -> None:
        from ladder.programs import conditions

        conditions.register()
