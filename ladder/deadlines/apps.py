from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "ladder.deadlines"
    label = "deadlines"
    verbose_name = "Deadlines"
