from django.apps import AppConfig


class WorkerAppConfig(AppConfig):
    name = "tests.worker_app"
    label = "worker_app"

    def ready(self) -> None:
        from tests.worker_app import kinds  # noqa: F401  (registers the deadline kind)
