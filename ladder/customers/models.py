from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from ladder.money import money_field
from ladder.tenancy.models import Organization, Staff

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class Customer(models.Model):
    """A customer account: a family, a student, a company."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="customers"
    )
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_customers"
    )
    external_link = models.URLField(max_length=500, blank=True)
    mrr = money_field("monthly recurring revenue")
    contract_value = money_field("contract value")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    if TYPE_CHECKING:
        contacts: RelatedManager[Contact]
        products: RelatedManager[Product]
        programs: RelatedManager[Program]

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "name", "id"], name="customer_org_name")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    relation = models.CharField(max_length=100, blank=True, help_text="e.g. parent, billing, CFO")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product or service the customer holds."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ProgramUnit(models.TextChoices):
    HOURS = "hours", _("Hours")
    LESSONS = "lessons", _("Lessons")


class ProgramStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")  # ED2: paid or enrolled, the class has not started
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Program(models.Model):
    """What a school or tutoring customer bought: hours or lessons, a term and a class
    (ED1: a class runs for a 48-lesson term), its owner (class teacher, CSM) and its
    tutor or teacher. ``delivered`` is the sum of the program's sessions, kept by the
    one use case that records them (``ladder.programs.actions``)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=10, choices=ProgramUnit.choices, default=ProgramUnit.LESSONS)
    purchased = models.DecimalField(max_digits=8, decimal_places=2)
    delivered = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    term_start = models.DateField(null=True, blank=True)
    term_end = models.DateField(null=True, blank=True)
    cohort = models.CharField("class / cohort", max_length=100, blank=True)
    status = models.CharField(
        max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE
    )
    # ED1: the class teacher (schools) or education consultant / CSM (tutoring).
    owner = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_programs"
    )
    # The tutor or teacher: a staff member, or a name when they are not on the desk.
    tutor = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="tutored_programs"
    )
    tutor_name = models.CharField(max_length=200, blank=True)
    # ED2: the waiting list runs from payment to the class start.
    paid_at = models.DateTimeField(null=True, blank=True)
    class_start = models.DateField(null=True, blank=True)
    # TD3: a tutor is matched within the time promised to the family.
    tutor_requested_at = models.DateTimeField(null=True, blank=True)
    tutor_matched_at = models.DateTimeField(null=True, blank=True)
    match_within_hours = models.PositiveIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    if TYPE_CHECKING:
        sessions: RelatedManager[Session]

    class Meta:
        ordering = ["term_start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(purchased__gte=0), name="program_purchased"),
            models.CheckConstraint(condition=models.Q(delivered__gte=0), name="program_delivered"),
        ]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """One delivered lesson or block of hours (``units`` of the program's unit). An
    import names each row with its ``source_id``; a repeated one is ignored."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField()
    units = models.DecimalField(max_digits=6, decimal_places=2)
    note = models.CharField(max_length=500, blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_at", "-id"]
        indexes = [models.Index(fields=["program", "held_at"], name="session_program_held")]
        constraints = [
            models.CheckConstraint(condition=models.Q(units__gt=0), name="session_units"),
            models.UniqueConstraint(
                fields=["program", "source_id"],
                condition=~models.Q(source_id=""),
                name="session_source_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.held_at:%Y-%m-%d} {self.units}"
