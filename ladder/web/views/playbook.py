"""The playbook page: the organization's active playbook in words, and the history
of its versions, each with its own page and source. Read-only: versions are loaded
and activated with `ladder playbook` (docs/playbooks.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from ladder.playbooks.library import playbook_of
from ladder.playbooks.queries import version_page
from ladder.tenancy.actors import Actor
from ladder.web.desk import desk_view
from ladder.web.playbook_text import describe
from ladder.web.views.case import http_errors


def _render(request: HttpRequest, actor: Actor, number: int | None) -> HttpResponse:
    with http_errors():
        page = version_page(organization=actor.organization, number=number)
    version = page.version
    context = {
        "version": version,
        "words": describe(playbook_of(version), get_language()) if version else None,
        "history": page.history,
        "show_source": number is not None,
    }
    return render(request, "web/playbook.html", context)


@desk_view
def playbook_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _render(request, actor, None)


@desk_view
def playbook_version_view(request: HttpRequest, actor: Actor, number: int) -> HttpResponse:
    return _render(request, actor, number)
