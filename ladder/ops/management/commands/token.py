"""`ladder token create USERNAME`: an API token, printed alone on the last line."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ladder.tenancy.actions import create_api_token, revoke_api_token
from ladder.tenancy.models import ApiToken, Staff


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a token for a staff member")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        listing = sub.add_parser("list", help="list a staff member's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "revoke":
            tokens = list(ApiToken.objects.filter(prefix=options["prefix"]))
            if len(tokens) != 1:
                raise CommandError(f"no single token with prefix {options['prefix']!r}")
            revoke_api_token(token=tokens[0])
            self.stdout.write(f"revoked {tokens[0].prefix}")
            return
        staff = Staff.objects.filter(user__username=options["username"]).first()
        if staff is None:
            raise CommandError(f"no staff member with username {options['username']!r}")
        if verb == "list":
            for t in staff.api_tokens.all():
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
                self.stdout.write(f"{t.prefix}  {t.name}  {t.created_at:%Y-%m-%d}  {state}")
            return
        _, plaintext = create_api_token(staff=staff, name=options["name"])
        self.stdout.write(f"Token for {staff.user.username} ({staff.organization.slug}):")
        self.stdout.write(plaintext)
