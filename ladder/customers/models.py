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


class Program(models.Model):
    """What a school or tutoring customer bought: hours or lessons, a term and a class
    (ED1: a class runs for a 48-lesson term)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=10, choices=ProgramUnit.choices, default=ProgramUnit.LESSONS)
    purchased = models.DecimalField(max_digits=8, decimal_places=2)
    delivered = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    term_start = models.DateField(null=True, blank=True)
    term_end = models.DateField(null=True, blank=True)
    cohort = models.CharField("class / cohort", max_length=100, blank=True)

    class Meta:
        ordering = ["term_start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(purchased__gte=0), name="program_purchased"),
            models.CheckConstraint(condition=models.Q(delivered__gte=0), name="program_delivered"),
        ]

    def __str__(self) -> str:
        return self.name
