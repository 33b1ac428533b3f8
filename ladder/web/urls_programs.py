"""The programs panel of the customer page: add a session, import sessions."""

from django.urls import URLPattern, path

from ladder.web.views import programs

urlpatterns: list[URLPattern] = [
    path(
        "customers/<int:customer_id>/programs/<int:program_id>/sessions/",
        programs.add_session,
        name="program_add_session",
    ),
    path(
        "customers/<int:customer_id>/sessions/import/",
        programs.import_sessions,
        name="program_import_sessions",
    ),
]
