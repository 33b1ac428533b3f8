"""The case page's Playbook panel and the desk's live alerts. Each POST calls one use
case (ladder.playbooks.actions, ladder.cases.actions, ladder.delivery.actions) and goes
back to the page; a refusal is shown next to what it names, in the rule's words. The
alerts endpoint is polled every second by desk.js (EB3: alerted within 2 seconds)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ladder.cases import actions as case_actions
from ladder.cases.casepage import TimelineEntry
from ladder.cases.queries import get_case
from ladder.delivery.actions import mark_notification_read
from ladder.errors import Conflict, Invalid
from ladder.playbooks import actions as playbook_actions
from ladder.playbooks import queries
from ladder.playbooks.queries import case_playbook
from ladder.tenancy.actors import Actor
from ladder.web.desk import desk_view
from ladder.web.views.case import (
    Bound,
    _render_case,
    case_url,
    http_errors,
    playbook_actions_allowed,
    present,
)


def _panel_url(case_id: int) -> str:
    return case_url(case_id) + "#playbook"


def _run(
    request: HttpRequest,
    actor: Actor,
    case_id: int,
    run: Callable[[], str],
    *,
    prefix: str = "",
    values: dict[str, str] | None = None,
) -> HttpResponse:
    """Runs one use case for the panel: back to the panel on success; else the page
    with the refusal next to the field it names (``prefix`` + the field)."""
    try:
        with http_errors():
            done = run()
    except Invalid as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(prefix + e.field, []).append(e.message)
        bound = Bound(playbook_errors=errors, playbook_values=values or {})
        return _render_case(request, actor, case_id, bound, status=422)
    except Conflict as exc:
        return _render_case(request, actor, case_id, Bound(notice=str(exc)), status=409)
    if done:
        messages.success(request, done)
    return HttpResponseRedirect(_panel_url(case_id))


@require_POST
@desk_view
def case_answers(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """EB4: the information the concern category (or a rule) asks for."""
    answers = {
        key.removeprefix("answers."): request.POST.get(key, "")
        for key in request.POST
        if key.startswith("answers.")
    }

    def answer() -> str:
        playbook_actions.answer_questions(actor=actor, case_id=case_id, answers=answers)
        return _("Answers saved.")

    values = {f"answers.{k}": v for k, v in answers.items()}
    return _run(request, actor, case_id, answer, values=values)


@require_POST
@desk_view
def case_checklist(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """ED6: tick or untick one item. From htmx, the checklist comes back alone."""
    checklist = request.POST.get("checklist", "")
    item = request.POST.get("item", "")
    done = request.POST.get("done") == "1"
    try:
        with http_errors():
            playbook_actions.tick_checklist_item(
                actor=actor, case_id=case_id, checklist=checklist, item=item, done=done
            )
    except Invalid as exc:
        errors = {f"checklist.{checklist}": [e.message for e in exc.errors]}
        return _render_case(request, actor, case_id, Bound(playbook_errors=errors), status=422)
    if not request.htmx:  # type: ignore[attr-defined]
        return HttpResponseRedirect(_panel_url(case_id))
    with http_errors():
        case = get_case(organization=actor.organization, case_id=case_id)
    playbook = case_playbook(case=case, viewer=actor.staff, language=get_language())
    assert playbook is not None
    shown = next(c for c in playbook.checklists if c.name == checklist)
    return render(
        request,
        "web/case_playbook.html#checklist",
        {
            "case": case,
            "checklist": shown,
            "pb": playbook_actions_allowed(actor, case, playbook),
            "pb_errors": {},
            "saved": True,
        },
    )


@require_POST
@desk_view
def case_request_escalation(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """MT1, MT6: the customer asks for someone higher up."""
    reason = request.POST.get("reason", "")

    def ask() -> str:
        case_actions.request_escalation(actor=actor, case_id=case_id, reason=reason)
        return _("The customer's request for an escalation is recorded.")

    return _run(
        request, actor, case_id, ask, prefix="escalation.", values={"escalation.reason": reason}
    )


@require_POST
@desk_view
def case_reject_resolution(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """MT8: the customer rejects the resolution."""
    reason = request.POST.get("reason", "")

    def reject() -> str:
        case_actions.reject_resolution(actor=actor, case_id=case_id, reason=reason)
        return _("The customer's rejection of the resolution is recorded.")

    return _run(
        request, actor, case_id, reject, prefix="rejection.", values={"rejection.reason": reason}
    )


@require_POST
@desk_view
def case_request_handoff(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """EB3: the customer will not wait; ring the playbook's skills."""
    name = request.POST.get("handoff", "")

    def ring() -> str:
        handoff = playbook_actions.request_handoff(actor=actor, case_id=case_id, handoff=name)
        skill = handoff.skill.name if handoff.skill else "?"
        return _("Live handoff asked for: ringing the %(skill)s skill.") % {"skill": skill}

    return _run(request, actor, case_id, ring, prefix="handoff.")


@require_GET
@desk_view
def case_handoff_state(request: HttpRequest, actor: Actor, case_id: int) -> HttpResponse:
    """The case's live handoff as it is now, polled by the page while it rings: the
    agent sees who accepted, or what the fallback did."""
    with http_errors():
        case = get_case(organization=actor.organization, case_id=case_id)
    handoff = queries.last_handoff(case=case, language=get_language())
    outcome = []
    if handoff is not None and not handoff.ringing:
        outcome = [
            present(TimelineEntry(event=e, interaction=None), actor.organization)
            for e in queries.handoff_outcome(case=case, handoff=handoff)
        ]
    return render(
        request,
        "web/case_playbook.html#handoff",
        {"case": case, "handoff": handoff, "handoff_outcome": outcome},
    )


@require_POST
@desk_view
def case_decide_approval(
    request: HttpRequest, actor: Actor, case_id: int, approval_id: int
) -> HttpResponse:
    """MT5, ED5: the awaited role approves or denies; a denial needs its reason."""
    approve = request.POST.get("decision") == "approve"
    reason = request.POST.get("reason", "")

    def decide() -> str:
        approval = playbook_actions.decide_approval(
            actor=actor, approval_id=approval_id, approve=approve, reason=reason
        )
        if approval.status == "pending":
            return _("Approved; the %(role)s role decides next.") % {"role": approval.waiting_for}
        return _("Approved.") if approve else _("Denied.")

    key = f"approval.{approval_id}."
    return _run(request, actor, case_id, decide, prefix=key, values={key + "reason": reason})


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:my_work")


@require_POST
@desk_view
def handoff_accept(request: HttpRequest, actor: Actor, handoff_id: int) -> HttpResponse:
    """EB3: the first member to accept takes the case; a later one is told who did."""
    try:
        with http_errors():
            handoff = playbook_actions.accept_handoff(actor=actor, handoff_id=handoff_id)
    except Conflict as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(_back(request))
    messages.success(request, _("You took the case: it is yours now."))
    return HttpResponseRedirect(case_url(handoff.case_id))


@require_GET
@desk_view
def alerts(request: HttpRequest, actor: Actor) -> HttpResponse:
    """What desk.js polls every second: the live handoffs ringing for the viewer's
    skills (while available) and the count of unread notifications. ``key`` changes
    only when the alerts do, so the script redraws only then."""
    staff = actor.staff
    assert staff is not None
    ringing = queries.ringing_for(staff=staff, now=timezone.now())
    key = ",".join(f"{r.id}.{r.step}" for r in ringing)
    html = render_to_string(
        "web/alerts.html", {"ringing": ringing, "next": request.GET.get("next", "")}, request
    )
    return JsonResponse(
        {"key": key, "html": html, "unread": queries.unread_count(staff=staff)},
        headers={"Cache-Control": "no-store"},
    )


@require_GET
@desk_view
def notifications_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    staff = actor.staff
    assert staff is not None
    listing = queries.notifications_of(staff=staff)
    return render(request, "web/notifications.html", {"listing": listing})


@require_POST
@desk_view
def notification_read(request: HttpRequest, actor: Actor, notification_id: int) -> HttpResponse:
    staff = actor.staff
    assert staff is not None
    with http_errors():
        mark_notification_read(
            staff_id=staff.pk, notification_id=notification_id, at=timezone.now()
        )
    return HttpResponseRedirect(reverse("web:notifications"))
