"""What the import commands share: the organization named on the command line and who
the import is recorded as."""

from __future__ import annotations

from argparse import ArgumentParser

from django.core.management.base import CommandError

from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Staff


def add_import_arguments(parser: ArgumentParser, *, file_help: str) -> None:
    """FILE, ``--organization`` (or ``--org``) and ``--as USERNAME``."""
    parser.add_argument("file", help=file_help)
    parser.add_argument("--organization", "--org", required=True, help="the organization's slug")
    parser.add_argument(
        "--as",
        dest="username",
        default=None,
        help="the staff member recorded as importing (default: the import itself)",
    )


def import_actor(*, organization: str, username: str | None, command: str) -> Actor:
    """The staff member ``username`` of the organization, or — without one — the import
    itself, recorded as ``command``; a clear CommandError when either is unknown."""
    org = Organization.objects.filter(slug=organization).first()
    if org is None:
        raise CommandError(f"no organization {organization!r}")
    if not username:
        return Actor.engine(org, rule=command)
    staff = (
        Staff.objects.select_related("organization")
        .prefetch_related("role_grants")
        .filter(organization=org, user__username=username)
        .first()
    )
    if staff is None:
        raise CommandError(f"no staff member {username!r} in {org.slug}")
    return Actor.for_staff(staff)
