"""The floor for the case list: the least any Python server can do to answer
``GET /api/v1/cases?team_id=&status=&cursor=``. It runs the very SQL that Django emits
for the endpoint (captured by ``benchmarks.run`` and handed over in the JSON file named
by ``LADDER_FLOOR_SQL``) with psycopg on one persistent connection per thread, and
answers the same JSON shape with the same opaque cursor, so that a client can follow
the same ``next_cursor`` on either server.

It does no authentication, no middleware and no validation beyond parsing: it is a
yardstick, served by the same gunicorn settings as Ladder, never a server to deploy.

    LADDER_FLOOR_SQL=/tmp/floor.json DATABASE_URL=postgres://... \\
        gunicorn benchmarks.floor_wsgi:application
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import psycopg

StartResponse = Callable[..., Any]

_SPEC: dict[str, Any] = json.loads(Path(os.environ["LADDER_FLOOR_SQL"]).read_text())
_ORDER = ["-created_at", "-id"]
_LIMIT = int(_SPEC["limit"])
_COL = {name: i for i, name in enumerate(_SPEC["columns"])}
_local = threading.local()


def _connection() -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] | None = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        # Client-side binding, as Django's psycopg backend does by default; UTC, as
        # Django sets the session's time zone.
        conn = psycopg.connect(
            os.environ["DATABASE_URL"], autocommit=True, cursor_factory=psycopg.ClientCursor
        )
        conn.execute("SET TIME ZONE 'UTC'")
        _local.conn = conn
    return conn


def _iso(value: dt.datetime) -> str:
    # As Django's JSON encoder writes them (milliseconds, "Z" for UTC), so that the two
    # servers' answers compare equal.
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def _cursor_out(created_at: dt.datetime, case_id: int) -> str:
    raw = json.dumps([_ORDER, [{"t": created_at.isoformat()}, case_id]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_in(cursor: str) -> tuple[dt.datetime, int]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    order, (when, case_id) = json.loads(raw)
    if order != _ORDER:
        raise ValueError("cursor for another order")
    return dt.datetime.fromisoformat(when["t"]), int(case_id)


def _ref(id_: int | None, name: str | None) -> dict[str, Any] | None:
    return None if id_ is None else {"id": id_, "name": name}


def _item(row: tuple[Any, ...]) -> dict[str, Any]:
    def c(name: str) -> Any:
        return row[_COL[name]]

    amount: Decimal | None = c("cases_case.money_at_stake")
    return {
        "id": c("cases_case.id"),
        "reference": c("cases_case.reference"),
        "kind": c("cases_case.kind"),
        "channel": c("cases_case.channel"),
        "status": c("cases_case.status"),
        "severity": c("cases_case.severity"),
        "tier": c("cases_case.tier"),
        "subject": c("cases_case.subject"),
        "category": c("cases_case.category"),
        "customer": _ref(c("cases_case.customer_id"), c("customers_customer.name")),
        "owner": _ref(c("cases_case.owner_id"), c("tenancy_staff.display_name")),
        "team": _ref(c("cases_case.team_id"), c("tenancy_team.name")),
        "money_at_stake": None
        if amount is None
        else {"amount": f"{amount:.2f}", "currency": c("cases_case.money_at_stake_currency")},
        "created_at": _iso(c("cases_case.created_at")),
        "updated_at": _iso(c("cases_case.updated_at")),
    }


def _reply(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body, separators=(",", ":")).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if environ.get("PATH_INFO") != "/api/v1/cases":
        return _reply(start_response, "404 Not Found", {"detail": "not found"})
    query = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        params: dict[str, Any] = {
            "organization_id": _SPEC["organization_id"],
            "team_id": int(query["team_id"][0]),
            "status": query["status"][0],
        }
        sql = _SPEC["first"]
        if "cursor" in query:
            params["created_at"], params["id"] = _cursor_in(query["cursor"][0])
            sql = _SPEC["after"]
    except (KeyError, ValueError, TypeError):
        return _reply(start_response, "422 Unprocessable Entity", {"detail": "invalid input"})
    rows = _connection().execute(sql, params).fetchall()
    items = rows[:_LIMIT]
    last = items[-1] if len(rows) > _LIMIT else None
    next_cursor = (
        _cursor_out(last[_COL["cases_case.created_at"]], last[_COL["cases_case.id"]])
        if last is not None
        else None
    )
    return _reply(
        start_response, "200 OK", {"items": [_item(r) for r in items], "next_cursor": next_cursor}
    )
