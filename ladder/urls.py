from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from ladder.api.main import api

urlpatterns = [
    # The desk's own pages arrive with the browser issue; until then the admin is home.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
