"""Tenancy isolation on every API route, generated from the API's own routes: a new
route is covered without editing this test."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ladder.api.main import api as ninja_api
from ladder.cases import actions as case_actions
from ladder.cases.models import Case, Interaction, Task, TimelineEvent
from ladder.customers import actions as customer_actions
from ladder.customers.actions import ProgramInput
from ladder.customers.models import Customer, Program, Session
from ladder.delivery.models import Notification
from ladder.money import make_money
from ladder.playbooks import actions as playbook_actions
from ladder.playbooks.models import Approval, Handoff, PlaybookVersion
from ladder.retention import actions as retention_actions
from ladder.retention.models import InvoiceCorrection, Offer, RetentionRecord, SaveAttempt
from tests.conftest import Api, Org, new_case
from tests.playbook_setup import install_playbook, skills

SCHEMA = ninja_api.get_openapi_schema()
OPERATIONS = [
    (path, method, op)
    for path, item in SCHEMA["paths"].items()
    for method, op in item.items()
    if method in {"get", "post", "patch", "put", "delete"}
]


def _api_routes() -> set[str]:
    """Every URL pattern Django routes under /api/, as an OpenAPI-style template."""
    routes: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                routes.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "")
    return {r for r in routes if r.startswith("/api/v1/")}


def test_every_routed_api_url_is_in_the_schema() -> None:
    """The generated tests below walk the schema; this makes sure it has every route."""
    assert _api_routes() == set(SCHEMA["paths"])


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].split("/")[-1]]
    if "anyOf" in schema:
        non_null = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(non_null[0])
    if "allOf" in schema:
        return _resolve(schema["allOf"][0])
    return schema


def minimal(schema: dict[str, Any], ids: dict[str, int], name: str = "") -> Any:
    """The smallest valid instance of a JSON schema; ``*_id`` fields get ``ids``."""
    schema = _resolve(schema)
    if name in ids:
        return ids[name]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: minimal(props[k], ids, k) for k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    if schema.get("format") == "date":
        return "2026-01-05"
    return "x" * max(1, schema.get("minLength", 1))


def objects_of(o: Org) -> dict[str, int]:
    """One object of every kind a path or body can name, in organization ``o``: a case
    running under a playbook, with a ringing live handoff (the admin is in its skill,
    so has a notification) and a pending approval."""
    if not PlaybookVersion.objects.filter(organization=o.org, is_active=True).exists():
        skills(o.org, tier2=[o.admin], lead=[o.executive])
        install_playbook(o.org)
    case = new_case(o)
    handoff = playbook_actions.request_handoff(actor=o.actor(), case_id=case.pk, handoff="live")
    case_actions.update_case(
        actor=o.actor(),
        case_id=case.pk,
        expected_version=Case.objects.get(pk=case.pk).version,
        changes={"money_at_stake": make_money(Decimal(100), o.org.currency, "money_at_stake")},
    )
    approval = Approval.objects.get(case=case)
    notification = Notification.objects.filter(staff=o.admin).latest("id")
    task = case_actions.create_task(
        actor=o.actor(),
        title="Call back",
        assignee_id=o.agent.pk,
        due_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        case_id=case.pk,
    )
    pupil = customer_actions.create_customer(
        actor=o.actor(),
        name="Pupil",
        programs=[ProgramInput(name="Maths", purchased=Decimal(20), delivered=Decimal(2))],
    )
    offer = retention_actions.save_offer(
        actor=o.actor(o.admin),
        values=retention_actions.OfferInput(
            key="discount", kind="discount", label_en="Discount", max_percent=Decimal(20)
        ),
    )
    attempt = retention_actions.propose_offer(
        actor=o.actor(),
        case_id=new_case(o, kind="refund", subject="Refund").pk,
        offer_id=offer.pk,
        terms=retention_actions.Terms(percent=Decimal(10)),
    )
    return {
        "offer_id": offer.pk,
        "attempt_id": attempt.pk,
        "program_id": pupil.programs.get().pk,
        "tutor_id": o.agent.pk,
        "case_id": case.pk,
        "customer_id": o.customer.pk,
        "task_id": task.pk,
        "staff_id": o.agent.pk,
        "team_id": o.team.pk,
        "owner_id": o.agent.pk,
        "assignee_id": o.agent.pk,
        "handoff_id": handoff.pk,
        "approval_id": approval.pk,
        "notification_id": notification.pk,
    }


def _body(op: dict[str, Any], ids: dict[str, int]) -> Any:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    return minimal(content["schema"], ids) if content else None


def _call(client: Api, method: str, path: str, body: Any) -> Any:
    url = path.removeprefix("/api/v1/")
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body or {}, if_match='"1"')


def _counts() -> tuple[int, ...]:
    models = (
        Case,
        Customer,
        Interaction,
        Task,
        TimelineEvent,
        Approval,
        Handoff,
        Notification,
        Program,
        Session,
        Offer,
        RetentionRecord,
        SaveAttempt,
        InvoiceCorrection,
    )
    return tuple(m.objects.count() for m in models)


@pytest.mark.parametrize(
    ("path", "method", "op"),
    [o for o in OPERATIONS if "{" in o[0]],
    ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS if "{" in p],
)
def test_another_tenants_ids_in_the_path_answer_404(
    acme: Org, other: Org, path: str, method: str, op: dict[str, Any]
) -> None:
    """Every route with an id answers 404 (never 403) for another organization's id,
    and changes nothing."""
    mine = objects_of(acme)
    theirs = objects_of(other)
    params = re.findall(r"{(\w+)}", path)
    assert all(p in theirs for p in params), f"teach objects_of() about {params}"
    url = path.format(**{p: theirs[p] for p in params})
    before = _counts()
    r = _call(Api(acme.admin), method, url, _body(op, mine))
    assert r.status_code == 404, (url, r.content)
    assert _counts() == before


@pytest.mark.parametrize(
    ("path", "method", "op"),
    [o for o in OPERATIONS if o[1] != "get"],
    ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS if m != "get"],
)
def test_another_tenants_ids_in_the_body_are_refused(
    acme: Org, other: Org, path: str, method: str, op: dict[str, Any]
) -> None:
    """Naming another organization's object in a body (attaching to it) is a 422 that
    names the field, and changes nothing."""
    mine = objects_of(acme)
    theirs = objects_of(other)
    url = path.format(**{p: mine[p] for p in re.findall(r"{(\w+)}", path)})
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    props = _resolve(content["schema"]).get("properties", {}) if content else {}
    # An object's id is an integer; a string such as a session's `source_id` is the
    # sender's own reference, not one of ours.
    id_fields = [
        k for k in props if k.endswith("_id") and _resolve(props[k]).get("type") == "integer"
    ]
    for field in id_fields:
        body = _body(op, mine) or {}
        body[field] = theirs[field]
        case = Case.objects.get(pk=mine["case_id"])
        before = _counts()
        client = Api(acme.admin)
        r = getattr(client, method)(
            url.removeprefix("/api/v1/"), body, if_match=f'"{case.version}"'
        )
        assert r.status_code == 422, (url, field, r.content)
        assert field in {e["field"] for e in r.json()["errors"]}
        assert _counts() == before


@pytest.mark.parametrize(
    "path",
    [p for p, m, _ in OPERATIONS if m == "get" and "{" not in p],
)
def test_lists_show_only_your_organization(acme: Org, other: Org, path: str) -> None:
    """No list leaks another organization's rows."""
    objects_of(acme)
    theirs = objects_of(other)
    r = Api(acme.admin).get(path.removeprefix("/api/v1/"))
    assert r.status_code == 200
    text = r.content.decode()
    assert "other" not in text.lower()
    assert "OTH-" not in text
    assert other.customer.name not in text
    kind = {
        "cases": "case_id",
        "customers": "customer_id",
        "tasks": "task_id",
        "staff": "staff_id",
        "teams": "team_id",
        "approvals": "approval_id",
        "notifications": "notification_id",
    }.get(path.rsplit("/", 1)[-1])
    if kind is not None:
        body = r.json()
        items = body["items"] if isinstance(body, dict) else body
        assert items, "the list should show the caller's own rows"
        assert theirs[kind] not in {item["id"] for item in items}


def test_unauthenticated_requests_get_401(db: None) -> None:
    from django.test import Client

    for path, method, _ in OPERATIONS:
        url = re.sub(r"{\w+}", "1", path)
        r = getattr(Client(), method)(url, content_type="application/json")
        assert r.status_code == 401, (method, url)


def test_a_token_of_a_deactivated_user_is_refused(acme: Org) -> None:
    from ladder.tenancy.actions import authenticate_token

    client = Api(acme.agent)
    assert client.get("me").status_code == 200
    acme.agent.user.is_active = False
    acme.agent.user.save(update_fields=["is_active"])
    assert authenticate_token(client.token) is None
    assert client.get("me").status_code == 401


def test_the_token_lookup_loads_staff_organization_user_and_roles_in_one_query(
    acme: Org,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ladder.tenancy.actions import authenticate_token
    from ladder.tenancy.models import Role

    client = Api(acme.manager)
    with CaptureQueriesContext(connection) as ctx:
        token = authenticate_token(client.token)
        assert token is not None
        assert token.staff == acme.manager
        assert token.staff.organization == acme.org
        assert token.staff.organization.case_prefix == "ACME"
        assert token.staff.user.username == acme.manager.user.username
        assert token.staff.role_set == {Role.MANAGER, Role.TEAM_LEAD}
        assert token.created_at.tzinfo is not None
    assert len(ctx) == 1, [q["sql"] for q in ctx.captured_queries]
    assert authenticate_token(client.token + "x") is None


def test_a_revoked_token_is_refused(acme: Org) -> None:
    from ladder.tenancy.actions import authenticate_token, revoke_api_token

    client = Api(acme.agent)
    assert client.get("me").status_code == 200
    token = authenticate_token(client.token)
    assert token is not None
    revoke_api_token(token=token)
    assert client.get("me").status_code == 401
