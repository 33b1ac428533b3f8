"""Retention: the case page's panel and the admin's offer catalog page."""

from django.urls import URLPattern, path

from ladder.web.views import retention

urlpatterns: list[URLPattern] = [
    path("cases/<int:case_id>/retention/", retention.case_retention, name="case_retention"),
    path("settings/offers/", retention.offer_settings, name="offer_settings"),
]
