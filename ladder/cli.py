"""The ``ladder`` console command: Django's management commands under our name.

``ladder run``, ``ladder worker``, ``ladder demo``, ``ladder createadmin``,
``ladder token create USERNAME``, ``ladder playbook validate | load | activate |
list``, ``ladder import-signals FILE`` and ``ladder signals hook-secret ORG`` are
Ladder's own; everything else (``migrate``, ``check``, ``shell`` …) is
Django's.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ladder.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "ladder"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
