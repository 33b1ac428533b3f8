"""The playbook page: every staff member can read the procedure the desk runs, in
words and in their language, with the history of its versions (IN4: practice changes
are visible to the staff who follow them)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ladder.playbooks.actions import activate_playbook, load_playbook
from ladder.playbooks.models import PlaybookVersion
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.models import Staff
from tests.conftest import Org
from tests.playbook_files import VALID


def client_for(staff: Staff, language: str | None = None) -> Client:
    client = Client()
    client.force_login(staff.user)
    if language is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def put_in_service(o: Org, source: str = VALID) -> PlaybookVersion:
    for name in ("Tier 2", "Resolution Lead"):
        tenancy_actions.create_skill(organization=o.org, name=name)
    actor = o.actor(o.admin)
    version = load_playbook(actor=actor, organization=o.org, source=source, filename="book.yaml")
    return activate_playbook(actor=actor, organization=o.org, number=version.number)


def test_the_page_shows_the_active_playbook_in_words(acme: Org) -> None:
    """IN1 ladder, EB4 categories and what they gather, MT6 clocks, ED6 checklist, MT5
    approval with a second approver, EB3 live handoff, and each rule's trigger,
    condition and actions."""
    put_in_service(acme)
    r = client_for(acme.agent).get("/playbook/")
    assert r.status_code == 200
    page = r.content.decode()
    for text in (
        "Three-level escalation",
        "insurer_test v1",
        "004 insurer",
        acme.admin.display_name,  # who activated it
        "Front line",
        "Executive",
        "Billing",
        "team Front desk (least loaded)",
        "Policy number",
        "Reply within 24 hours",
        "Business hours",
        "Daily notes",
        "every business day while the case is open",
        "Five key actions",
        "Acknowledge",
        "Refund",
        "and Executive above 1000",
        "Warm transfer",
        "Tier 2, 30s",
        "Create the task “Call back” for the case&#x27;s owner, due in 1d",
        "A case is opened",
        "case.category is billing",
        "Start the clock “Reply within 24 hours”",
        "Contact is logged",
        "kind = call, outcome = reached",
        "A clock has run out",
        "(case.tier is less than 3) and (not (answers.policy_number is empty))",
        "Escalate one tier up",
        "Start the live handoff “Warm transfer”",
        "Set the status to Resolved",
        'href="/playbook/1/"',
    ):
        assert text in page, text
    assert "playbook-source" not in page  # the source is on the version's own page
    assert 'href="/playbook/"' in page  # the desk's navigation links here


def test_the_page_speaks_chinese(acme: Org) -> None:
    put_in_service(acme)
    page = client_for(acme.agent, "zh-hans").get("/playbook/").content.decode()
    for text in (
        "三级升级",
        "一线",
        "24小时内答复",
        "工作时间",
        "新建工单",
        "启动计时器“24小时内答复”",
        "升级到上一级",
        "将状态设为 已解决",
        "升级阶梯",
    ):
        assert text in page, text


def test_a_versions_page_shows_its_source_and_the_history(acme: Org) -> None:
    put_in_service(acme)
    load_playbook(
        actor=acme.actor(acme.admin),
        organization=acme.org,
        source=VALID + "# <b>v2</b>\n",
        filename="book.yaml",
    )
    client = client_for(acme.agent)
    page = client.get("/playbook/2/").content.decode()
    assert '<pre class="playbook-source">' in page
    assert "# &lt;b&gt;v2&lt;/b&gt;" in page
    assert "The active playbook" not in page
    assert 'href="/playbook/1/"' in page
    assert 'href="/playbook/2/"' in page
    active = client.get("/playbook/").content.decode()
    assert "insurer_test v1" in active


def test_another_organizations_version_is_not_found(acme: Org, other: Org) -> None:
    load_playbook(
        actor=other.actor(other.admin), organization=other.org, source=VALID, filename="x"
    )
    load_playbook(
        actor=other.actor(other.admin), organization=other.org, source=VALID + "#\n", filename="x"
    )
    put_in_service(acme)
    client = client_for(acme.agent)
    assert client.get("/playbook/2/").status_code == 404
    assert client.get("/playbook/1/").status_code == 200
    assert client_for(other.agent).get("/playbook/2/").status_code == 200


def test_without_an_active_playbook_the_page_says_so(acme: Org) -> None:
    page = client_for(acme.agent).get("/playbook/").content.decode()
    assert "No playbook is active in this organization" in page
    assert "No versions loaded yet." in page


def test_the_page_needs_a_signed_in_staff_member(acme: Org) -> None:
    r = Client().get("/playbook/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")


def test_the_page_costs_the_same_queries_for_one_version_or_many(acme: Org) -> None:
    """Fast: the history does not load every version's source, nor one query each."""
    put_in_service(acme)
    client = client_for(acme.agent)

    def count(path: str) -> int:
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    one = count("/playbook/")
    for n in range(2, 7):
        load_playbook(
            actor=acme.actor(acme.admin),
            organization=acme.org,
            source=VALID + f"# v{n}\n",
            filename="book.yaml",
        )
    assert count("/playbook/") == one
    assert count("/playbook/3/") == one
    # session, user, staff and roles; the unread notifications by the bell; the history;
    # the version
    assert one == 7
