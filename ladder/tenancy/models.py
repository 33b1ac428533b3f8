from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import ManyRelatedManager, RelatedManager


class Locale(models.TextChoices):
    EN = "en", "English"  # each language named in itself
    ZH_HANS = "zh-hans", "简体中文"


class Role(models.TextChoices):
    AGENT = "agent", _("Front-line agent / client care coordinator")
    TIER2 = "tier2", _("Tier 2")
    TEAM_LEAD = "team_lead", _("Team lead")
    MANAGER = "manager", _("Manager")
    OWNER = "owner", _("Owner (class teacher / customer success manager)")
    ACADEMIC_DIRECTOR = "academic_director", _("Academic director")
    PRINCIPAL = "principal", _("Principal / office manager / supervisor")
    ACCOUNTING = "accounting", _("Accounting / finance")
    EXECUTIVE = "executive", _("Executive")
    ADMIN = "admin", _("Admin")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy")
    AWAY = "away", _("Away")


class ReplyGuard(models.TextChoices):
    """What happens when a reply to a customer holds a forbidden phrase (ED7)."""

    WARN = "warn", _("Warn and let the agent decide")
    BLOCK = "block", _("Refuse to save the reply")


class Organization(models.Model):
    """A tenant: a franchise office, a school, a company. Nobody sees another's data."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC")
    locale = models.CharField(max_length=10, choices=Locale.choices, default=Locale.EN)
    currency = models.CharField(max_length=3, default="USD")
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166 code whose public holidays close the desk"
    )
    subdivision = models.CharField(max_length=10, blank=True)
    case_prefix = models.CharField(max_length=8)
    reply_guard = models.CharField(
        max_length=8, choices=ReplyGuard.choices, default=ReplyGuard.WARN
    )
    # The last case number handed out; bumped with a conditional UPDATE.
    last_case_number = models.PositiveBigIntegerField(default=0)
    # The id of the playbook version new cases run under (playbooks.PlaybookVersion; a
    # plain id because tenancy sits below playbooks). Kept here so that opening a case
    # in an organization without a playbook costs no query to find out.
    active_playbook_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    if TYPE_CHECKING:
        working_intervals: RelatedManager[WorkingInterval]
        closures: RelatedManager[Closure]
        tiers: RelatedManager[Tier]

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class WorkingInterval(models.Model):
    """One opening interval on a weekday (0 = Monday); a day may have several, such as
    a morning and an afternoon around a lunch break."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="working_intervals"
    )
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="interval_weekday"),
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="interval_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start}-{self.end}"


class Closure(models.Model):
    """A day the organization itself is closed, on top of the public holidays."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="closures"
    )
    date = models.DateField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="closure_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Tier(models.Model):
    """A rung of the escalation ladder (IN1: agent → manager → executive)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tiers")
    level = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        ordering = ["organization", "level"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "level"], name="tier_unique_level"),
            models.CheckConstraint(condition=models.Q(level__gte=1), name="tier_level_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.level}. {self.name}"


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    members: models.ManyToManyField[Staff, Any] = models.ManyToManyField(
        "Staff", related_name="teams", blank=True
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """A skill a live handoff can target, such as "Tier 2" or "Resolution Lead" (EB3)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(max_length=100)
    members: models.ManyToManyField[Staff, Any] = models.ManyToManyField(
        "Staff", related_name="skills", blank=True
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="skill_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """A person at the desk: a Django user who belongs to exactly one organization."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="staff")
    display_name = models.CharField(max_length=200)
    availability = models.CharField(
        max_length=16, choices=Availability.choices, default=Availability.AVAILABLE
    )
    locale = models.CharField(max_length=10, choices=Locale.choices, blank=True)

    if TYPE_CHECKING:
        role_grants: RelatedManager[RoleGrant]
        teams: ManyRelatedManager[Team, Any]
        skills: ManyRelatedManager[Skill, Any]

    class Meta:
        ordering = ["display_name"]
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return self.display_name

    @property
    def role_set(self) -> frozenset[Role]:
        """The staff member's roles; one query, cached on the instance."""
        cached: frozenset[Role] | None = getattr(self, "_role_set", None)
        if cached is None:
            cached = frozenset(Role(g.role) for g in self.role_grants.all())
            self._role_set = cached
        return cached

    def cache_roles(self, roles: Iterable[str]) -> None:
        """Roles loaded together with the staff member (the token lookup does), so that
        ``role_set`` needs no query of its own."""
        self._role_set = frozenset(Role(r) for r in roles)


class RoleGrant(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        ordering = ["role"]
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="role_grant_unique")]

    def __str__(self) -> str:
        return f"{self.staff} is {self.role}"


class ApiToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 digest is stored."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
