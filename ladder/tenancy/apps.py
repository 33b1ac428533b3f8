from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "ladder.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"
