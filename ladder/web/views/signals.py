"""Signals on the desk (MT1): /signals/import/ uploads a CSV of signals, which the
worker imports; the import's page shows a progress bar that htmx refreshes every
second until the import is done, then the counts and the refused rows by line."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from ladder.errors import Invalid
from ladder.health.intake import FIELDS
from ladder.signals import imports, queries
from ladder.tenancy.actors import Actor
from ladder.web.desk import desk_view
from ladder.web.views.case import http_errors


def _page(
    request: HttpRequest, actor: Actor, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "imports": queries.recent_imports(organization=actor.organization),
        "columns": ",".join(FIELDS),
        "errors": errors or [],
        "max_mb": imports.MAX_FILE_BYTES // 1024 // 1024,
    }
    return render(request, "web/signal_import.html", context, status=status)


@desk_view
def signal_import(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET: the upload form and the recent imports. POST: save the file and queue its
    import for the worker, then show its progress."""
    if request.method != "POST":
        return _page(request, actor)
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, actor, errors=[_("Choose a CSV file to import.")], status=422)
    # One byte more than allowed is enough to refuse it.
    content = upload.read(imports.MAX_FILE_BYTES + 1)
    try:
        with http_errors():
            run = imports.queue_import(
                actor=actor, filename=upload.name or "signals.csv", content=content
            )
    except Invalid as exc:
        return _page(request, actor, errors=[e.message for e in exc.errors], status=422)
    return HttpResponseRedirect(reverse("web:signal_import_run", kwargs={"import_id": run.pk}))


@desk_view
def signal_import_run(request: HttpRequest, actor: Actor, import_id: int) -> HttpResponse:
    """One import: the whole page, or (htmx polling) the progress panel alone."""
    with http_errors():
        run = queries.get_import(organization=actor.organization, import_id=import_id)
    context = {"run": run}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/signal_import_run.html#progress", context)
    return render(request, "web/signal_import_run.html", context)
