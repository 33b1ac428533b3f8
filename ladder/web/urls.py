"""The desk's URLs. Each area of the desk keeps its own module of routes."""

from django.urls import include, path
from django.views.generic import RedirectView

from ladder.web.views import account

app_name = "web"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="web:my_work", permanent=False), name="home"),
    path("login/", account.SignIn.as_view(), name="login"),
    path("logout/", account.SignOut.as_view(), name="logout"),
    path("language/", account.switch_language, name="language"),
    path("", include("ladder.web.urls_work")),
    path("", include("ladder.web.urls_case")),
    path("", include("ladder.web.urls_public")),
    path("", include("ladder.web.urls_playbook")),
    path("", include("ladder.web.urls_programs")),
    path("", include("ladder.web.urls_churn")),
    path("", include("ladder.web.urls_signals")),
    path("", include("ladder.web.urls_health")),
    path("", include("ladder.web.urls_retention")),
]
