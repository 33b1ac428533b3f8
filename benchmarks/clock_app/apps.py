from django.apps import AppConfig


class ClockAppConfig(AppConfig):
    name = "benchmarks.clock_app"
    label = "bench_clock_app"

    def ready(self) -> None:
        from benchmarks.clock_app import kinds  # noqa: F401  (registers the kind)
