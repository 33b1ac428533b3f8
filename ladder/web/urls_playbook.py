"""The playbook page and each version's page."""

from django.urls import URLPattern, path

from ladder.web.views import playbook

urlpatterns: list[URLPattern] = [
    path("playbook/", playbook.playbook_view, name="playbook"),
    path("playbook/<int:number>/", playbook.playbook_version_view, name="playbook_version"),
]
