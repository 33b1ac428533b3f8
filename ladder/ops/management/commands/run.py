"""`ladder run`: the web server and the background worker in one command, for the
embedded (SQLite) desk. Production runs gunicorn and `ladder worker` separately."""

from __future__ import annotations

import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ladder.tenancy.models import Organization


class Command(BaseCommand):
    help = "Run the desk: web server and background worker together."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        url = f"http://{options['host']}:{options['port']}/"
        self._print_logins(url)
        worker = subprocess.Popen([sys.executable, "-m", "ladder.cli", "worker"])
        try:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)

    def _print_logins(self, url: str) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Ladder is starting at {url}"))
        out.write(f"  API docs:  {url}api/docs    admin: {url}admin/")
        orgs = Organization.objects.prefetch_related("staff__user").order_by("slug")
        for org in orgs:
            names = sorted(s.user.username for s in org.staff.all())
            if names:
                out.write(f"  {org.slug:<10} {', '.join(names)}")
        out.write("  Demo password: ladder-demo   (worker running in the background)")
