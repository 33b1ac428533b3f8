from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ladder.cases"
    label = "cases"
    verbose_name = "Cases"
