"""`ladder demo`: one demo organization per source procedure, and their logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ladder.ops.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load five demo organizations (tutoring, school, solar, software, insurer), one per "
        "source procedure, and print their logins. Safe to rerun: an organization that "
        "exists is left alone."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for org in load_demo(stdout=self.stdout):
            if org.created:
                state = f"loaded: {org.staff} staff, {org.customers} customers, {org.cases} cases"
            else:
                state = "already loaded"
            self.stdout.write(f"\n{org.slug} (document {org.source}) {org.name}: {state}")
            width = (
                max(len(login.username) for login in org.logins)
                + len(" / ")
                + len(org.logins[0].password)
            )
            for login in org.logins:
                credentials = f"{login.username} / {login.password}"
                self.stdout.write(f"  {credentials:<{width}}  {login.name}, {login.title}")
