"""The public pages (no login): the complaint and call-back form, one per
organization, and the survey a customer reaches from its e-mail."""

from django.urls import URLPattern, path

from ladder.web.views import public, survey

urlpatterns: list[URLPattern] = [
    path("o/<slug:slug>/complaint/", public.complaint, name="public_complaint"),
    path("o/<slug:slug>/complaint/done/", public.complaint_done, name="public_complaint_done"),
    # A survey's link (no login): the token is the only key.
    path("s/<str:token>/", survey.survey, name="survey"),
    path("s/<str:token>/thanks/", survey.survey_done, name="survey_done"),
]
