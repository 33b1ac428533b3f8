"""Domain errors. Actions raise these; the interfaces translate them (the API into
404/403/409/412/422/428, the pages into messages next to the field)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The things a NotFound names, in the user's language; the API speaks English unless
# the client asks otherwise (Accept-Language).
_WHAT = {
    "case": gettext_lazy("case"),
    "customer": gettext_lazy("customer"),
    "forbidden phrase": gettext_lazy("forbidden phrase"),
    "offer": gettext_lazy("offer"),
    "organization": gettext_lazy("organization"),
    "playbook version": gettext_lazy("playbook version"),
    "program": gettext_lazy("program"),
    "signal import": gettext_lazy("signal import"),
    "save attempt": gettext_lazy("save attempt"),
    "staff member": gettext_lazy("staff member"),
    "survey": gettext_lazy("survey"),
    "task": gettext_lazy("task"),
    "team": gettext_lazy("team"),
}


class DomainError(Exception):
    """Base class: a use case refused to act and changed nothing."""


class NotFound(DomainError):
    """The object does not exist in the caller's organization (never says which)."""

    def __init__(self, what: str) -> None:
        super().__init__(_("%(what)s not found") % {"what": _WHAT.get(what, what)})
        self.what = what


class Forbidden(DomainError):
    """The caller's roles do not allow this action."""

    def __init__(self, permission: str) -> None:
        super().__init__(_("your roles do not allow %(permission)s") % {"permission": permission})
        self.permission = permission


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class Invalid(DomainError):
    """Input that names a field and the reason it is refused."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls([FieldError(field, message)])


def collect_errors(*checks: Callable[[], object]) -> list[FieldError]:
    """Runs every check and gathers their field errors, so that one reply names every
    bad field at once instead of one per round trip."""
    errors: list[FieldError] = []
    for check in checks:
        try:
            check()
        except Invalid as exc:
            errors.extend(exc.errors)
    return errors


class Conflict(DomainError):
    """The object's current state does not allow the action (HTTP 409)."""

    def __init__(self, message: str, *, current: str = "", allowed: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.current = current
        self.allowed = sorted(allowed)


class StaleVersion(DomainError):
    """The update was based on an older version of the object (HTTP 412)."""

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(
            _(
                "the object changed since you read it (you sent version %(expected)s, "
                "it is now at version %(current)s); reload and try again"
            )
            % {"expected": expected, "current": current}
        )
        self.expected = expected
        self.current = current
