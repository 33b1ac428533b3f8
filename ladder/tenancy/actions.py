"""Use cases of the tenancy app: organizations, staff, tokens."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from ladder.errors import FieldError, Invalid
from ladder.tenancy.models import (
    ApiToken,
    Availability,
    Closure,
    Locale,
    Organization,
    Role,
    RoleGrant,
    Skill,
    Staff,
    Team,
    Tier,
    WorkingInterval,
)

# The insurer's three levels (IN1) are the ladder an organization starts with.
DEFAULT_TIERS: tuple[tuple[str, Role], ...] = (
    ("Front line", Role.AGENT),
    ("Manager", Role.MANAGER),
    ("Executive", Role.EXECUTIVE),
)
WEEKDAYS_9_TO_5: tuple[tuple[int, dt.time, dt.time], ...] = tuple(
    (day, dt.time(9), dt.time(17)) for day in range(5)
)

TOKEN_PREFIX = "ldr_"  # noqa: S105 (a public prefix, not a secret)


def _validate_organization(
    *, slug: str, timezone_name: str, locale: str, currency: str, country: str, case_prefix: str
) -> None:
    errors: list[FieldError] = []
    if Organization.objects.filter(slug=slug).exists():
        errors.append(
            FieldError(
                "slug",
                _("an organization with slug %(slug)s already exists") % {"slug": repr(slug)},
            )
        )
    try:
        zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(
            FieldError(
                "timezone",
                _("%(zone)s is not an IANA time zone") % {"zone": repr(timezone_name)},
            )
        )
    if locale not in Locale.values:
        errors.append(
            FieldError(
                "locale", _("must be one of %(choices)s") % {"choices": ", ".join(Locale.values)}
            )
        )
    if currency not in settings.CURRENCIES:
        errors.append(
            FieldError(
                "currency",
                _("must be one of %(choices)s") % {"choices": ", ".join(settings.CURRENCIES)},
            )
        )
    if country:
        import holidays

        if country not in holidays.list_supported_countries():
            errors.append(
                FieldError(
                    "country",
                    _("%(country)s has no public-holiday calendar") % {"country": repr(country)},
                )
            )
    if not case_prefix.isalnum() or not case_prefix.isupper():
        errors.append(FieldError("case_prefix", _("use capital letters and digits, e.g. SCH")))
    if errors:
        raise Invalid(errors)


def create_organization(
    *,
    slug: str,
    name: str,
    timezone_name: str = "UTC",
    locale: str = Locale.EN,
    currency: str = "USD",
    country: str = "",
    case_prefix: str,
    tiers: Sequence[tuple[str, Role]] = DEFAULT_TIERS,
    working_intervals: Iterable[tuple[int, dt.time, dt.time]] = WEEKDAYS_9_TO_5,
    closures: Iterable[tuple[dt.date, str]] = (),
) -> Organization:
    _validate_organization(
        slug=slug,
        timezone_name=timezone_name,
        locale=locale,
        currency=currency,
        country=country,
        case_prefix=case_prefix,
    )
    with transaction.atomic():
        org = Organization.objects.create(
            slug=slug,
            name=name,
            timezone=timezone_name,
            locale=locale,
            currency=currency,
            country=country,
            case_prefix=case_prefix,
        )
        Tier.objects.bulk_create(
            Tier(organization=org, level=i, name=tier_name, role=role)
            for i, (tier_name, role) in enumerate(tiers, start=1)
        )
        WorkingInterval.objects.bulk_create(
            WorkingInterval(organization=org, weekday=d, start=s, end=e)
            for d, s, e in working_intervals
        )
        Closure.objects.bulk_create(
            Closure(organization=org, date=day, name=label) for day, label in closures
        )
    return org


def add_staff(
    *,
    organization: Organization,
    username: str,
    display_name: str,
    roles: Iterable[Role],
    password: str | None = None,
    password_hash: str | None = None,
    email: str = "",
    teams: Iterable[Team] = (),
    skills: Iterable[Skill] = (),
    locale: str = "",
) -> Staff:
    """Adds a staff member. ``password_hash`` (from ``make_password``) lets a bulk
    loader hash one password once instead of once per person."""
    if password is not None and password_hash is not None:
        raise Invalid.field("password", _("give a password or a password hash, not both"))
    role_list = sorted(set(roles))
    if not role_list:
        raise Invalid.field("roles", _("a staff member needs at least one role"))
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise Invalid.field("username", _("%(username)s is taken") % {"username": repr(username)})
    with transaction.atomic():
        user = user_model.objects.create_user(username=username, email=email, password=password)
        fields = []
        if password_hash is not None:
            user.password = password_hash
            fields.append("password")
        if Role.ADMIN in role_list:
            # An organization's admin configures it in the Django admin (scoped to it).
            user.is_staff = True
            fields.append("is_staff")
        if fields:
            user.save(update_fields=fields)
        staff = Staff.objects.create(
            user=user, organization=organization, display_name=display_name, locale=locale
        )
        RoleGrant.objects.bulk_create(RoleGrant(staff=staff, role=r) for r in role_list)
        for team in teams:
            _same_org(team.organization_id, organization, "teams")
            team.members.add(staff)
        for skill in skills:
            _same_org(skill.organization_id, organization, "skills")
            skill.members.add(staff)
    return staff


def _same_org(org_id: int, organization: Organization, field: str) -> None:
    if org_id != organization.pk:
        raise Invalid.field(field, _("belongs to another organization"))


def create_team(*, organization: Organization, name: str) -> Team:
    if Team.objects.filter(organization=organization, name=name).exists():
        raise Invalid.field(
            "name", _("a team named %(name)s already exists") % {"name": repr(name)}
        )
    return Team.objects.create(organization=organization, name=name)


def create_skill(*, organization: Organization, name: str) -> Skill:
    if Skill.objects.filter(organization=organization, name=name).exists():
        raise Invalid.field(
            "name", _("a skill named %(name)s already exists") % {"name": repr(name)}
        )
    return Skill.objects.create(organization=organization, name=name)


def set_staff_locale(*, staff: Staff, locale: str) -> Staff:
    if locale not in Locale.values:
        raise Invalid.field(
            "locale", _("must be one of %(choices)s") % {"choices": ", ".join(Locale.values)}
        )
    Staff.objects.filter(pk=staff.pk).update(locale=locale)
    staff.locale = locale
    return staff


def set_availability(*, staff: Staff, availability: Availability) -> Staff:
    Staff.objects.filter(pk=staff.pk).update(availability=availability)
    staff.availability = availability
    return staff


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(*, staff: Staff, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its plaintext, which is shown once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        staff=staff, name=name, digest=_digest(plaintext), prefix=plaintext[:12]
    )
    return token, plaintext


def revoke_api_token(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.revoked_at)
    return token


@dataclass(frozen=True)
class _Loaded:
    """One model's columns in a hand-written SELECT, where they start in the row, and
    Django's converters for the few that have any (made once a process)."""

    model: type[Model]
    alias: str
    fields: tuple[Field[Any, Any], ...]
    start: int
    attnames: list[str]
    converting: tuple[tuple[int, Any, tuple[Any, ...]], ...]  # (index, column, converters)

    @classmethod
    def of(cls, model: type[Model], alias: str, start: int, connection: Any) -> _Loaded:
        fields = tuple(model._meta.concrete_fields)
        converting = []
        for i, f in enumerate(fields):
            col = f.get_col(model._meta.db_table)
            convert = tuple(
                connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            )
            if convert:
                converting.append((i, col, convert))
        return cls(model, alias, fields, start, [f.attname for f in fields], tuple(converting))

    def columns(self) -> str:
        return ", ".join(f'{self.alias}."{f.column}"' for f in self.fields)

    def instance(self, row: Sequence[Any], db: str, connection: Any) -> Any:
        values = list(row[self.start : self.start + len(self.fields)])
        for i, col, convert in self.converting:
            value = values[i]
            for converter in convert:
                value = converter(value, col, connection)
            values[i] = value
        return self.model.from_db(db, self.attnames, values)


@functools.cache
def _token_lookup(alias: str) -> tuple[str, tuple[_Loaded, ...]]:
    """The SQL of :func:`authenticate_token` and how to read its row, made once a
    process. The same lookup as a queryset (select_related over four tables and the
    roles as a subquery) spent longer compiling its SQL than anything else in a
    request: a fifth of the Python time of creating a case."""
    connection = connections[alias]
    user_model = get_user_model()
    parts: list[_Loaded] = []
    for model, short in ((ApiToken, "t"), (Staff, "s"), (Organization, "o"), (user_model, "u")):
        start = parts[-1].start + len(parts[-1].fields) if parts else 0
        parts.append(_Loaded.of(model, short, start, connection))
    roles = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    # Only names from the models' own metadata go into the SQL; the digest is a parameter.
    sql = (
        f"SELECT {', '.join(p.columns() for p in parts)},"  # noqa: S608
        f" (SELECT {roles}(g.role, ',') FROM {RoleGrant._meta.db_table} g"
        "   WHERE g.staff_id = s.id)"
        f" FROM {ApiToken._meta.db_table} t"
        f" JOIN {Staff._meta.db_table} s ON s.id = t.staff_id"
        f" JOIN {Organization._meta.db_table} o ON o.id = s.organization_id"
        f" JOIN {user_model._meta.db_table} u ON u.id = s.user_id"
        " WHERE t.digest = %s AND t.revoked_at IS NULL"
    )
    return sql, tuple(parts)


def authenticate_token(plaintext: str) -> ApiToken | None:
    """The live token with this plaintext, its staff member, their user, organization
    and roles loaded, in one statement: every API request runs it."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 100:
        return None
    alias = ApiToken.objects.db
    sql, parts = _token_lookup(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [_digest(plaintext)])
        row = cursor.fetchone()
    if row is None:
        return None
    connection = connections[alias]
    token, staff, organization, user = (p.instance(row, alias, connection) for p in parts)
    if not user.is_active:
        return None
    staff.organization = organization
    staff.user = user
    roles = row[-1]
    staff.cache_roles(roles.split(",") if roles else ())
    token.staff = staff
    assert isinstance(token, ApiToken)
    return token
