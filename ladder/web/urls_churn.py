"""Churn codes: the case page's panel and the admin's settings page."""

from django.urls import URLPattern, path

from ladder.web.views import churn

urlpatterns: list[URLPattern] = [
    path("cases/<int:case_id>/churn-codes/", churn.case_churn_codes, name="case_churn_codes"),
    path("settings/churn-codes/", churn.churn_settings, name="churn_settings"),
]
