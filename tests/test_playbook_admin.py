"""Playbook versions in the Django admin: read-only, and each tenant's admin sees only
their own organization's versions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ladder.playbooks.actions import load_playbook
from ladder.playbooks.models import PlaybookVersion
from tests.conftest import Org
from tests.playbook_files import VALID
from tests.test_admin import login

LIST = "/admin/playbooks/playbookversion/"


@pytest.fixture
def superuser(db: None) -> Client:
    user = get_user_model().objects.create_superuser(username="root", password="pw-root")
    client = Client()
    client.force_login(user)
    return client


def load(o: Org, source: str = VALID) -> PlaybookVersion:
    return load_playbook(
        actor=o.actor(o.admin), organization=o.org, source=source, filename="book.yaml"
    )


def test_a_tenant_admin_reads_their_versions_and_their_source(acme: Org, other: Org) -> None:
    mine = load(acme, VALID + "# <script>alert(1)</script>\n")
    theirs = load(other)
    client = login(acme.admin)
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert f"{LIST}{mine.pk}/change/" in listing.text
    assert f"{LIST}{theirs.pk}/change/" not in listing.text
    page = client.get(f"{LIST}{mine.pk}/change/")
    assert page.status_code == 200
    assert '<pre class="playbook-source">' in page.text
    assert "# &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'name="_save"' not in page.text  # view only
    assert client.get(f"{LIST}{theirs.pk}/change/").status_code == 404


def test_versions_cannot_be_added_changed_or_deleted(acme: Org, superuser: Client) -> None:
    version = load(acme)
    for client in (login(acme.admin), superuser):
        assert client.get(f"{LIST}add/").status_code == 403
        assert client.get(f"{LIST}{version.pk}/delete/").status_code == 403
        r = client.post(f"{LIST}{version.pk}/change/", {"name": "changed", "source": "x"})
        assert r.status_code == 403
    version.refresh_from_db()
    assert (version.name, version.source) == ("insurer_test", VALID)
