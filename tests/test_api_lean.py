"""API clients' requests (bearer token, no session cookie) take the short middleware
chain of ladder.api.lean; pages and the API's session-authenticated requests take
the whole one. Both answer the same, each with the headers it needs."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from ladder.api.lean import JSON_POLICY, _ApiHandler
from tests.conftest import Api, Org, case_body

pytestmark = pytest.mark.django_db


def test_a_bearer_request_gets_the_json_policy_and_no_cookies(acme: Org, api: Api) -> None:
    """TD1 through the API: the short chain creates the case like the long one, sends
    the security headers, a policy that lets a JSON answer load and be framed by
    nothing, and sets no session or CSRF cookie."""
    r = api.post("cases", case_body(acme))
    assert r.status_code == 201, r.content
    assert r.headers["Content-Security-Policy"] == JSON_POLICY
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert not r.cookies
    assert api.get(f"cases/{r.json()['id']}").json()["subject"] == "Tutor did not show up"


def test_a_session_request_to_the_api_takes_the_whole_chain(acme: Org) -> None:
    """The desk's own pages call the API with the session (and its CSRF check): the
    site's policy from django-csp, and a POST without the CSRF token is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.agent.user)
    r = client.get("/api/v1/me")
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    refused = client.post("/api/v1/cases", case_body(acme), content_type="application/json")
    assert refused.status_code == 403


def test_a_bearer_with_a_session_cookie_takes_the_whole_chain(acme: Org) -> None:
    """A browser that also holds a session: the long chain, so the session stays what
    it is for a page (here a bad token falls back to the signed-in session)."""
    client = Client(HTTP_AUTHORIZATION="Bearer ldr_not-a-real-token")
    client.force_login(acme.agent.user)
    r = client.get("/api/v1/me")
    assert r.status_code == 200
    assert r.json()["staff"]["id"] == acme.agent.pk
    assert r.json()["authenticated_by"] == "session"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_a_bad_token_alone_is_refused_on_the_short_chain(acme: Org) -> None:
    r = Client(HTTP_AUTHORIZATION="Bearer ldr_not-a-real-token").get("/api/v1/me")
    assert r.status_code == 401
    assert r.headers["Content-Security-Policy"] == JSON_POLICY


def test_the_short_chain_speaks_the_clients_language(acme: Org, api: Api) -> None:
    """MT2 through the API: Accept-Language still chooses the language of errors."""
    body = case_body(acme, owner_id=987654)
    r = api.post("cases", body, **{"Accept-Language": "zh-hans"})
    assert r.status_code == 422
    assert r.headers["Content-Language"] == "zh-hans"
    message = "本机构没有编号为 987654 的员工"
    assert r.json()["errors"] == [{"field": "owner_id", "message": message}]
    r = api.post("cases", body)
    assert r.json()["errors"][0]["message"] == "no staff member 987654 in your organization"


def test_the_short_chains_other_checks_still_run(acme: Org, api: Api) -> None:
    """The API's own middleware are in both chains: a filter given twice is refused."""
    r = api.get("cases?status=new&status=closed")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "status"
    assert settings.API_MIDDLEWARE[-1] == "ladder.api.lean.JsonPolicy"


class _WithView:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)  # type: ignore[no-any-return]

    def process_view(self, *args: Any) -> None:
        return None


class _OptedOut:
    def __init__(self, get_response: Any) -> None:
        raise MiddlewareNotUsed


def test_a_middleware_that_opts_out_is_left_out(acme: Org, api: Api) -> None:
    handler = _ApiHandler([f"{__name__}._OptedOut", "ladder.api.lean.JsonPolicy"])
    request = RequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    response = handler.get_response(request)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == JSON_POLICY


def test_a_middleware_with_hooks_is_refused_for_the_short_chain() -> None:
    """The short chain runs plain callables only; a view hook would be skipped, so
    such a middleware cannot be listed there."""
    with pytest.raises(ImproperlyConfigured, match="process_view"):
        _ApiHandler([f"{__name__}._WithView"])
