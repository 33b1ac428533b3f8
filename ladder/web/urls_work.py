"""My work and the queues."""

from django.urls import path

from ladder.web.views import work

urlpatterns = [
    path("work/", work.my_work_page, name="my_work"),
    path("queues/", work.queues_page, name="queues"),
    path("queues/assign/", work.bulk_assign, name="queue_bulk_assign"),
    path("queues/take/", work.take_case, name="queue_take"),
]
