"""The case page and its actions, the customer page, and a new case from the desk."""

from django.urls import URLPattern, path

from ladder.web.views import case, customer, new_case

urlpatterns: list[URLPattern] = [
    path("cases/new/", new_case.new_case, name="new_case"),
    path("cases/new/customers/", new_case.customer_search, name="new_case_customers"),
    path("cases/reply-guard/", case.reply_guard_check, name="reply_guard_check"),
    path("cases/<int:case_id>/", case.case_view, name="case"),
    path("cases/<int:case_id>/log/", case.case_log, name="case_log"),
    path("cases/<int:case_id>/transition/", case.case_transition, name="case_transition"),
    path("cases/<int:case_id>/assign/", case.case_assign, name="case_assign"),
    path("cases/<int:case_id>/escalate/", case.case_escalate, name="case_escalate"),
    path("cases/<int:case_id>/edit/", case.case_edit, name="case_edit"),
    path("customers/<int:customer_id>/", customer.customer_view, name="customer"),
]
