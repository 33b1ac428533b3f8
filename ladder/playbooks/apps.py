from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "ladder.playbooks"
    label = "playbooks"
    verbose_name = "Playbooks"
