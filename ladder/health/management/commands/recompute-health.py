"""`ladder recompute-health [--organization SLUG]`: recomputes the health score of
every customer with recent signals or a score below 100 (of one organization, or all),
and prints how many and how long it took. The worker keeps scores at most a day old
by itself; this is for after an import or a change of weights made outside Ladder."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ladder.health.score import recompute_all
from ladder.tenancy.models import Organization


class Command(BaseCommand):
    help = "Recompute the health scores of the customers with signals."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--organization", default=None, help="the organization's slug (default: all)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = None
        if options["organization"]:
            organization = Organization.objects.filter(slug=options["organization"]).first()
            if organization is None:
                raise CommandError(f"no organization {options['organization']!r}")
        done = recompute_all(organization, at=timezone.now())
        self.stdout.write(
            f"recomputed {done.customers} customer(s) in {done.organizations} "
            f"organization(s); {done.changes} band change(s); {done.seconds:.2f}s"
        )
