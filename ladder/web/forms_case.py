"""Forms of the case, customer and new-case pages. They parse and render only: every
rule (what is required, which moves are allowed, who may do what) is the actions'; the
errors the actions raise are put next to the field they name, in the user's language.

Also here: the translated labels of the domain's choices, which the models keep in
English for the API and the admin."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ladder.cases.models import Channel, ContactOutcome, Direction, InteractionKind, Kind, Severity
from ladder.cases.states import Status
from ladder.customers.models import ProgramUnit
from ladder.errors import FieldError

if TYPE_CHECKING:
    # Typing only: django-stubs-ext is a development dependency.
    from django_stubs_ext import StrPromise

Choices = list[tuple[Any, Any]]

# --- the domain's choices in the user's language -------------------------------------

STATUS_LABELS: dict[str, Promise] = {
    Status.NEW: _("New"),
    Status.IN_PROGRESS: _("In progress"),
    Status.AWAITING_CUSTOMER: _("Awaiting customer"),
    Status.AWAITING_APPROVAL: _("Awaiting approval"),
    Status.RESOLVED: _("Resolved"),
    Status.CLOSED: _("Closed"),
}
KIND_LABELS: dict[str, Promise] = {
    Kind.COMPLAINT: _("Complaint"),
    Kind.ESCALATION: _("Escalation"),
    Kind.LEADERSHIP_REQUEST: _("Leadership request"),
    Kind.CANCELLATION: _("Cancellation"),
    Kind.REFUND: _("Refund"),
    Kind.DOWNGRADE: _("Downgrade"),
    Kind.LEVEL_CHANGE: _("Level change"),
}
CHANNEL_LABELS: dict[str, Promise] = {
    Channel.PHONE: _("Phone"),
    Channel.EMAIL: _("E-mail"),
    Channel.WEB_FORM: _("Web form"),
    Channel.CHAT: _("Chat"),
    Channel.IN_PERSON: _("In person"),
    Channel.API: _("API"),
    Channel.SIGNAL: _("Signal"),
}
SEVERITY_LABELS: dict[str, Promise] = {
    Severity.LOW: _("Low"),
    Severity.MEDIUM: _("Medium"),
    Severity.HIGH: _("High"),
    Severity.CRITICAL: _("Critical"),
}
INTERACTION_LABELS: dict[str, Promise] = {
    InteractionKind.CALL: _("Call"),
    InteractionKind.EMAIL: _("E-mail"),
    InteractionKind.MEETING: _("Meeting"),
    InteractionKind.CHAT: _("Chat"),
    InteractionKind.NOTE: _("Note"),
    InteractionKind.CONTACT_ATTEMPT: _("Contact attempt"),
}
OUTCOME_LABELS: dict[str, Promise] = {
    ContactOutcome.REACHED: _("Reached"),
    ContactOutcome.NO_ANSWER: _("No answer"),
    ContactOutcome.VOICEMAIL: _("Voicemail"),
    ContactOutcome.BOUNCED: _("Bounced"),
}
DIRECTION_LABELS: dict[str, Promise] = {
    Direction.OUTBOUND: _("Outbound"),
    Direction.INBOUND: _("Inbound"),
    Direction.INTERNAL: _("Internal"),
}
UNIT_LABELS: dict[str, Promise] = {
    ProgramUnit.HOURS: _("Hours"),
    ProgramUnit.LESSONS: _("Lessons"),
}
FIELD_LABELS: dict[str, Promise] = {
    "subject": _("Subject"),
    "description": _("Description"),
    "request_type": _("Customer request type"),
    "category": _("Concern category"),
    "severity": _("Severity"),
    "root_cause": _("Root cause"),
    "resolution": _("Resolution"),
    "outcome": _("Outcome"),
    "money_at_stake": _("Money at stake"),
    "status": _("Status"),
    "owner": _("Owner"),
    "team": _("Team"),
    "tier": _("Tier"),
}
# What the button that moves a case to each status says.
MOVE_LABELS: dict[str, Promise] = {
    Status.IN_PROGRESS: _("Start work"),
    Status.AWAITING_CUSTOMER: _("Wait for the customer"),
    Status.AWAITING_APPROVAL: _("Wait for approval"),
    Status.RESOLVED: _("Resolve"),
    Status.CLOSED: _("Close"),
}
REOPEN_LABEL = _("Reopen")


def label(labels: Mapping[str, Promise], value: str) -> str:
    """The translated label of a stored value; the value itself if it has none."""
    found = labels.get(value)
    return str(found) if found is not None else value


def _choices(labels: Mapping[str, Promise], values: Iterable[str] | None = None) -> Choices:
    return [(v, labels[v]) for v in (values if values is not None else labels)]


# --- forms ---------------------------------------------------------------------------


class DeskForm(forms.Form):
    """A form whose ids carry its own prefix (several forms share one page) and which
    can show the actions' field errors next to its fields."""

    # A domain field name -> this form's field name, for names that differ.
    domain_fields: Mapping[str, str] = {}

    def __init__(self, *args: Any, id_prefix: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{id_prefix}-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.id_prefix = id_prefix

    def add_domain_errors(self, errors: Iterable[FieldError]) -> None:
        if not self.is_bound:
            raise ValueError("bind the form before adding errors to it")
        self.is_valid()
        for e in errors:
            name = self._field_for(e.field)
            # The actions' messages are translated where they are raised.
            self.add_error(name, e.message)

    def _field_for(self, domain_field: str) -> str | None:
        if domain_field in self.domain_fields:
            return self.domain_fields[domain_field]
        base = domain_field.split(".", 1)[0]
        if domain_field in self.fields:
            return domain_field
        if base in self.fields:
            return base
        return None

    def has_errors(self) -> bool:
        return self.is_bound and bool(self.errors)


def _area(rows: int = 4, **attrs: str) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": str(rows), **attrs})


# Ids are 64-bit: a larger number is no id, and the database would refuse to compare it.
ID_MAX = 2**63 - 1


def _id(label: StrPromise) -> forms.IntegerField:
    """A select whose value is an id, parsed as a number; the action checks it."""
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=ID_MAX, widget=forms.Select
    )


def _amount() -> forms.DecimalField:
    # The shape of the money column (and of the API's amounts): parsing, not a rule.
    return forms.DecimalField(
        label=_("Money at stake"), required=False, min_value=0, max_digits=14, decimal_places=2
    )


def guard_attrs(field: str, region_id: str) -> dict[str, str]:
    """htmx attributes that send the text to the reply guard as the agent types (ED7)
    and put what it finds in the live region ``region_id``."""
    return {
        "hx-post": f"{reverse('web:reply_guard_check')}?field={field}",
        "hx-trigger": "input changed delay:400ms",
        "hx-target": f"#{region_id}",
        "hx-swap": "innerHTML",
    }


def _offer(form: forms.Form, name: str, choices: Choices) -> None:
    """The options of a select whose value is parsed as a plain id: the action, not
    the form, decides whether the id is one the user may choose."""
    widget = form.fields[name].widget
    assert isinstance(widget, forms.Select)
    widget.choices = choices


class VersionedForm(DeskForm):
    """Carries the case version the page was read at, for expected_version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=ID_MAX)


# Kinds an agent logs in the "log a contact" form; notes have their own form.
LOG_KINDS = (
    InteractionKind.CALL,
    InteractionKind.EMAIL,
    InteractionKind.CHAT,
    InteractionKind.MEETING,
    InteractionKind.CONTACT_ATTEMPT,
)


class LogForm(DeskForm):
    """Log a call, an e-mail, a chat, a meeting or a contact attempt with its outcome
    (MT6). ``occurred_at`` is read in the organization's zone."""

    kind = forms.ChoiceField(label=_("What"), choices=_choices(INTERACTION_LABELS, LOG_KINDS))
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=_choices(DIRECTION_LABELS, (Direction.OUTBOUND, Direction.INBOUND)),
        initial=Direction.OUTBOUND,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome of a contact attempt"),
        choices=[("", _("(not a contact attempt)")), *_choices(OUTCOME_LABELS)],
        required=False,
    )
    body = forms.CharField(label=_("What was said"), widget=_area(5), required=False)
    occurred_at = forms.DateTimeField(
        label=_("When (leave empty for now)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, zone: Any, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="log", **kwargs)
        self.zone = zone
        region = f"{self.id_prefix}-body-guard"
        self.fields["body"].widget.attrs.update(guard_attrs("body", region))
        # Changing the kind or direction changes whether the text is a reply: check again.
        for name in ("kind", "direction"):
            self.fields[name].widget.attrs.update(
                {**guard_attrs("body", region), "hx-trigger": "change"}
            )

    def full_clean(self) -> None:
        # A time without an offset is the organization's wall-clock time.
        with timezone.override(self.zone):
            super().full_clean()


class NoteForm(DeskForm):
    body = forms.CharField(label=_("Note"), widget=_area(3), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="note", **kwargs)


class TransitionForm(VersionedForm):
    to = forms.ChoiceField(label=_("New status"), choices=_choices(STATUS_LABELS))
    note = forms.CharField(label=_("Note (optional)"), widget=_area(2), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="move", **kwargs)


class AssignForm(VersionedForm):
    owner = _id(_("Owner"))
    team = _id(_("Team"))
    domain_fields = {"owner_id": "owner", "team_id": "team"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="assign", **kwargs)

    def offer(self, *, owners: Choices, teams: Choices) -> None:
        _offer(self, "owner", [("", _("Nobody")), *owners])
        _offer(self, "team", [("", _("No team")), *teams])


class EscalateForm(VersionedForm):
    """IN1: the handoff summary — the details and the source of the dispute."""

    details = forms.CharField(label=_("Details of the issue"), widget=_area(4), required=False)
    source_of_dispute = forms.CharField(
        label=_("Source of the dispute"), widget=_area(3), required=False
    )
    to_tier = _id(_("Escalate to"))
    owner = _id(_("New owner"))
    team = _id(_("Team"))
    domain_fields = {"owner_id": "owner", "team_id": "team"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="escalate", **kwargs)

    def offer(self, *, tiers: Choices, owners: Choices, teams: Choices) -> None:
        """The tiers above the case's; per tier, the staff who hold its role."""
        _offer(self, "to_tier", tiers)
        _offer(self, "owner", [("", _("Nobody yet: the tier's queue")), *owners])
        _offer(self, "team", [("", _("Keep the current team")), *teams])


class ResolutionForm(VersionedForm):
    """TD1: the root cause, then the resolution the customer is told (reply-guarded)."""

    root_cause = forms.CharField(label=_("Root cause"), widget=_area(3), required=False)
    resolution = forms.CharField(label=_("Resolution"), widget=_area(4), required=False)
    outcome = forms.CharField(label=_("Outcome"), widget=_area(2), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="resolution", **kwargs)
        self.fields["resolution"].widget.attrs.update(
            guard_attrs("resolution", f"{self.id_prefix}-resolution-guard")
        )


class DetailsForm(VersionedForm):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    request_type = forms.CharField(label=_("Customer request type"), max_length=100, required=False)
    category = forms.CharField(label=_("Concern category"), max_length=100, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=_choices(SEVERITY_LABELS))
    money_at_stake = _amount()
    description = forms.CharField(label=_("Description"), widget=_area(4), required=False)

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="details", **kwargs)
        self.fields["money_at_stake"].label = gettext("Money at stake (%(currency)s)") % {
            "currency": currency
        }


class CustomerForm(DeskForm):
    """A new customer taking a call: the account and its first contact."""

    name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    contact_name = forms.CharField(
        label=_("Contact person (if not the customer)"), max_length=200, required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(
        label=_("E-mail"), max_length=254, required=False, widget=forms.EmailInput
    )
    domain_fields = {
        "contacts.0.name": "contact_name",
        "contacts.0.email": "email",
        "contacts.0.phone": "phone",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="customer", **kwargs)


# The channels a case reaches the desk by; the API and the engine's signals set theirs.
DESK_CHANNELS = (
    Channel.PHONE,
    Channel.EMAIL,
    Channel.CHAT,
    Channel.IN_PERSON,
    Channel.WEB_FORM,
)


class NewCaseForm(DeskForm):
    customer = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=ID_MAX)
    kind = forms.ChoiceField(label=_("Kind"), choices=_choices(KIND_LABELS))
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_choices(CHANNEL_LABELS, DESK_CHANNELS), initial=Channel.PHONE
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), widget=_area(4), required=False)
    request_type = forms.CharField(label=_("Customer request type"), max_length=100, required=False)
    category = forms.CharField(label=_("Concern category"), max_length=100, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=_choices(SEVERITY_LABELS), initial=Severity.MEDIUM
    )
    money_at_stake = _amount()
    team = _id(_("Team"))
    take = forms.BooleanField(label=_("I own this case"), required=False, initial=True)
    # The open cases the agent was shown (EB1) and their answer.
    seen_open = forms.CharField(widget=forms.HiddenInput, required=False)
    confirm_new = forms.BooleanField(
        label=_("This call is about something else: open a new case"), required=False
    )
    domain_fields = {"customer_id": "customer", "team_id": "team", "owner_id": "take"}

    def __init__(self, *args: Any, currency: str, teams: Choices, **kwargs: Any) -> None:
        super().__init__(*args, id_prefix="case", **kwargs)
        self.fields["money_at_stake"].label = gettext("Money at stake (%(currency)s)") % {
            "currency": currency
        }
        _offer(self, "team", [("", _("No team")), *teams])

    def seen_ids(self) -> set[int]:
        raw = str(self.cleaned_data.get("seen_open") or "")
        return {int(p) for p in raw.split(",") if p.strip().isdigit()}
