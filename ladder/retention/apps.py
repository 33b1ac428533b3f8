from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "ladder.retention"
    label = "retention"
    verbose_name = "Retention"
