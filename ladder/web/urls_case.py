"""The case page and its actions, the customer page, and a new case from the desk."""

from django.urls import URLPattern, path

from ladder.web.views import case, case_playbook, customer, new_case

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
    path("cases/<int:case_id>/answers/", case_playbook.case_answers, name="case_answers"),
    path("cases/<int:case_id>/checklist/", case_playbook.case_checklist, name="case_checklist"),
    path(
        "cases/<int:case_id>/request-escalation/",
        case_playbook.case_request_escalation,
        name="case_request_escalation",
    ),
    path(
        "cases/<int:case_id>/reject-resolution/",
        case_playbook.case_reject_resolution,
        name="case_reject_resolution",
    ),
    path("cases/<int:case_id>/handoffs/", case_playbook.case_request_handoff, name="case_handoff"),
    path(
        "cases/<int:case_id>/handoff/", case_playbook.case_handoff_state, name="case_handoff_state"
    ),
    path(
        "cases/<int:case_id>/approvals/<int:approval_id>/decide/",
        case_playbook.case_decide_approval,
        name="case_decide_approval",
    ),
    path("handoffs/<int:handoff_id>/accept/", case_playbook.handoff_accept, name="handoff_accept"),
    path("alerts/", case_playbook.alerts, name="alerts"),
    path("notifications/", case_playbook.notifications_page, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        case_playbook.notification_read,
        name="notification_read",
    ),
    path("customers/<int:customer_id>/", customer.customer_view, name="customer"),
]
