"""Schemathesis against our own OpenAPI schema: generated requests, valid and
invalid, must never cause a server error and every response must match the schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from ladder.api.main import api
from ladder.tenancy.actions import create_api_token
from tests.conftest import Org, new_case

_handler: list[WSGIHandler] = []


def application(environ: dict[str, Any], start_response: Any) -> Any:
    # Built on first use, inside a test, so that the middleware reads the test
    # settings (plain HTTP) rather than the production ones at import time.
    if not _handler:
        _handler.append(WSGIHandler())
    return _handler[0](environ, start_response)


# The same document /api/openapi.json serves, driven through the WSGI application in
# this process, so requests see the test's database transaction.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))
schema.app = application


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # The WSGI handler closes database connections at the end of every request; in a
    # test that would close the connection holding the test's transaction (Django's
    # own test client disconnects the same handler).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(acme: Org) -> str:
    new_case(acme)  # so that some generated ids hit a real case
    return create_api_token(staff=acme.manager, name="schemathesis")[1]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # The cast is built once per operation; generated writes accumulate in its
    # transaction, as they would on a live desk.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_the_api_keeps_its_contract(case: Any, token: str) -> None:
    """Every documented response, no 5xx, for generated valid and invalid input."""
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        # A schema cannot say "an id that exists" or "a cursor this list gave out", so
        # a schema-valid request may rightly get 404 or 422; every other check stays.
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


def test_every_api_schema_has_its_own_name() -> None:
    """The OpenAPI document names each schema by its class: two classes of one name
    (the signals API's SignalOut and the health API's) left one route documented with
    the other's fields. Every schema the API modules define has a name of its own."""
    from ninja import Schema

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    assert api is not None  # its routers import every API module
    where: dict[str, set[str]] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith("ladder."):
            where.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: mods for name, mods in where.items() if len(mods) > 1} == {}
