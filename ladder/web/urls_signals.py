"""Signals: the CSV import page and each import's progress."""

from django.urls import URLPattern, path

from ladder.web.views import signals

urlpatterns: list[URLPattern] = [
    path("signals/import/", signals.signal_import, name="signal_import"),
    path("signals/import/<int:import_id>/", signals.signal_import_run, name="signal_import_run"),
]
