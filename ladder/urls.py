from django.contrib import admin
from django.urls import include, path

from ladder.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("ladder.web.urls")),
]
