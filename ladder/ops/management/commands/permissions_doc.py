"""`ladder permissions_doc`: docs/permissions.md, generated from the permission matrix."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ladder.tenancy.permissions import permissions_document


class Command(BaseCommand):
    help = "Print docs/permissions.md from the permission matrix."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(permissions_document(), ending="")
