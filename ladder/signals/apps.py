from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "ladder.signals"
    label = "signals"
    verbose_name = "Signal intake"
