"""The health score: the admin's weights page and the accounts at risk."""

from django.urls import URLPattern, path

from ladder.web.views import health

urlpatterns: list[URLPattern] = [
    path("settings/health/", health.health_settings, name="health_settings"),
    path("accounts/at-risk/", health.accounts_at_risk, name="accounts_at_risk"),
]
