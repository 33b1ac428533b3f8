"""`ladder createadmin`: a superuser, or with --organization an organization's admin."""

from __future__ import annotations

import getpass
import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ladder.errors import Invalid
from ladder.tenancy.actions import add_staff
from ladder.tenancy.models import Organization, Role


class Command(BaseCommand):
    help = (
        "Create a superuser (all organizations), or with --organization an admin of one "
        "organization. The password comes from --password, LADDER_ADMIN_PASSWORD or a prompt."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password")
        parser.add_argument("--organization", help="slug: make an admin of this organization")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("LADDER_ADMIN_PASSWORD")
        if not password:
            if not sys.stdin.isatty():
                raise CommandError("give --password or LADDER_ADMIN_PASSWORD (no terminal to ask)")
            password = getpass.getpass("Password: ")
        username = options["username"]
        slug = options["organization"]
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("password: " + " ".join(exc.messages)) from None
        if slug is None:
            user_model = get_user_model()
            if user_model.objects.filter(username=username).exists():
                raise CommandError(f"username {username!r} is taken")
            user_model.objects.create_superuser(
                username=username, email=options["email"], password=password
            )
            self.stdout.write(f"superuser {username} created")
            return
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"no organization {slug!r}")
        try:
            staff = add_staff(
                organization=org,
                username=username,
                display_name=username,
                roles=[Role.ADMIN],
                password=password,
                email=options["email"],
            )
        except Invalid as exc:
            raise CommandError(str(exc)) from None
        get_user_model().objects.filter(pk=staff.user_id).update(is_staff=True)
        self.stdout.write(f"admin {username} of {org.slug} created")
