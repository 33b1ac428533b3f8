"""`ladder signals hook-secret ORG`: creates or rotates the organization's webhook
secret for ``POST /api/v1/hooks/signals`` and prints it once; `ladder signals
hook-disable ORG` turns the webhook off."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ladder.signals.hooks import disable_hook, set_hook_secret
from ladder.tenancy.models import Organization


class Command(BaseCommand):
    help = "Manage the signed signal webhook of an organization."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        secret = sub.add_parser("hook-secret", help="create or rotate the webhook secret")
        secret.add_argument("organization", help="the organization's slug")
        disable = sub.add_parser("hook-disable", help="refuse every webhook post")
        disable.add_argument("organization", help="the organization's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["organization"]).first()
        if org is None:
            raise CommandError(f"no organization {options['organization']!r}")
        if options["verb"] == "hook-disable":
            if not disable_hook(organization=org):
                raise CommandError(f"{org.slug} has no signal webhook")
            self.stdout.write(f"the signal webhook of {org.slug} is off")
            return
        secret = set_hook_secret(organization=org)
        self.stdout.write(
            f"Signal webhook secret for {org.slug} (any earlier secret stops working now):"
        )
        self.stdout.write(secret)
