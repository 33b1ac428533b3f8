"""The public complaint and call-back form: no login, one per organization."""

from django.urls import URLPattern, path

from ladder.web.views import public

urlpatterns: list[URLPattern] = [
    path("o/<slug:slug>/complaint/", public.complaint, name="public_complaint"),
    path("o/<slug:slug>/complaint/done/", public.complaint_done, name="public_complaint_done"),
]
