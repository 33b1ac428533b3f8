from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "ladder.customers"
    label = "customers"
    verbose_name = "Customers"
