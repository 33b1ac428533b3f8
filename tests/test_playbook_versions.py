"""Playbook versions: loaded as immutable, numbered versions; one active per
organization; activation checks the file against the organization and makes the
organization's tiers the playbook's ladder (IN1)."""

from __future__ import annotations

import pytest

from ladder.errors import Forbidden, Invalid, NotFound
from ladder.playbooks.actions import activate_playbook, load_playbook
from ladder.playbooks.library import active_version, playbook_of
from ladder.playbooks.models import PlaybookVersion
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Role, Tier
from tests.conftest import Org
from tests.playbook_files import VALID, edit, line_of

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def skills(acme: Org) -> None:
    for name in ("Tier 2", "Resolution Lead"):
        tenancy_actions.create_skill(organization=acme.org, name=name)


def load(o: Org, source: str = VALID, *, actor: Actor | None = None) -> PlaybookVersion:
    return load_playbook(
        actor=actor or o.actor(o.admin), organization=o.org, source=source, filename="book.yaml"
    )


def activate(o: Org, number: int, *, actor: Actor | None = None) -> PlaybookVersion:
    return activate_playbook(actor=actor or o.actor(o.admin), organization=o.org, number=number)


def test_loading_stores_numbered_versions_with_their_digest(acme: Org) -> None:
    first = load(acme)
    second = load(acme, edit(VALID, 'source: "004 insurer"', 'source: "004 insurer, v2"'))
    assert (first.number, second.number) == (1, 2)
    assert first.name == "insurer_test"
    assert first.source == VALID
    assert len(first.digest) == 64
    assert first.digest != second.digest
    assert first.loaded_by == acme.admin.display_name
    assert first.filename == "book.yaml"
    assert not first.is_active
    assert not second.is_active
    assert playbook_of(second).source == "004 insurer, v2"


def test_loading_the_newest_source_again_returns_that_version(acme: Org) -> None:
    first = load(acme)
    assert load(acme) == first
    assert PlaybookVersion.objects.filter(organization=acme.org).count() == 1
    changed = load(acme, VALID + "  # a comment makes a new version\n")
    assert changed.number == 2
    # The same source as an older version is a new version: it is a change back.
    assert load(acme).number == 3


def test_numbers_are_per_organization(acme: Org, other: Org) -> None:
    load(acme)
    load(acme, VALID + "# 2\n")
    assert load(other).number == 1


def test_a_playbook_with_errors_cannot_be_loaded(acme: Org) -> None:
    source = edit(VALID, "    role: manager\n", "    role: teacher\n")
    source = edit(source, "- start_duty: daily_notes", "- start_duty: weekly_notes")
    with pytest.raises(Invalid) as caught:
        load(acme, source)
    assert {e.field for e in caught.value.errors} == {"playbook"}
    messages = [e.message for e in caught.value.errors]
    assert len(messages) == 1  # the shape is wrong: meaning is not checked yet
    assert messages[0].startswith(f"line {line_of(source, 'role: teacher')}: tiers[1].role: ")
    fixed_shape = edit(source, "    role: teacher\n", "    role: manager\n")
    with pytest.raises(Invalid) as caught:
        load(acme, fixed_shape)
    assert [e.message for e in caught.value.errors] == [
        f"line {line_of(fixed_shape, 'weekly_notes')}: rules[0].do[1].start_duty: "
        "unknown duty 'weekly_notes'; known: daily_notes"
    ]
    assert not PlaybookVersion.objects.exists()


def test_only_the_admin_or_the_engine_loads_and_activates(acme: Org, skills: None) -> None:
    with pytest.raises(Forbidden):
        load(acme, actor=acme.actor(acme.manager))
    version = load(acme, actor=Actor.engine(acme.org, rule="ladder demo"))
    assert version.loaded_by == "engine (ladder demo)"
    with pytest.raises(Forbidden):
        activate(acme, 1, actor=acme.actor(acme.executive))
    assert not PlaybookVersion.objects.filter(is_active=True).exists()


def test_an_admin_cannot_load_into_another_organization(acme: Org, other: Org) -> None:
    with pytest.raises(Forbidden):
        load_playbook(
            actor=acme.actor(acme.admin), organization=other.org, source=VALID, filename="x"
        )
    assert not PlaybookVersion.objects.exists()


def test_activation_makes_one_version_active_and_follows_its_ladder(
    acme: Org, skills: None
) -> None:
    """IN1: the desk escalates along the playbook's ladder once it is active."""
    tenancy_actions.add_staff(
        organization=acme.org,
        username="principal@acme",
        display_name="Principal",
        roles=[Role.PRINCIPAL],
    )
    load(acme)
    two_tiers = edit(VALID, "  - level: 3\n    name: {en: Executive, zh-hans: 高管}\n", "")
    two_tiers = edit(two_tiers, "    role: executive\n", "")
    two_tiers = edit(two_tiers, "{en: Manager, zh-hans: 经理}", "{en: Principal, zh-hans: 校长}")
    two_tiers = edit(two_tiers, "    role: manager\n    team", "    role: principal\n    team")
    load(acme, two_tiers)

    first = activate(acme, 1, actor=acme.actor(acme.admin))
    assert first.is_active
    assert first.activated_by == acme.admin.display_name
    assert first.activated_at is not None
    assert active_version(acme.org.pk) == first
    ladder = list(Tier.objects.filter(organization=acme.org).values_list("level", "name", "role"))
    assert ladder == [
        (1, "Front line", "agent"),
        (2, "Manager", "manager"),
        (3, "Executive", "executive"),
    ]

    second = activate(acme, 2)
    first.refresh_from_db()
    assert second.is_active
    assert not first.is_active
    assert active_version(acme.org.pk) == second
    ladder = list(Tier.objects.filter(organization=acme.org).values_list("level", "name", "role"))
    assert ladder == [(1, "Front line", "agent"), (2, "Principal", "principal")]
    assert PlaybookVersion.objects.filter(organization=acme.org, is_active=True).count() == 1

    # Going back is activating the older version again.
    assert activate(acme, 1).is_active
    assert Tier.objects.filter(organization=acme.org).count() == 3


def test_tier_names_follow_the_organizations_language(db: None) -> None:
    school = tenancy_actions.create_organization(
        slug="school", name="School", case_prefix="SCH", locale="zh-hans"
    )
    admin = tenancy_actions.add_staff(
        organization=school, username="a@school", display_name="A", roles=[Role.ADMIN]
    )
    for role in (Role.MANAGER, Role.EXECUTIVE):
        tenancy_actions.add_staff(
            organization=school, username=f"{role}@school", display_name=role, roles=[role]
        )
    tenancy_actions.create_team(organization=school, name="Front desk")
    for name in ("Tier 2", "Resolution Lead"):
        tenancy_actions.create_skill(organization=school, name=name)
    actor = Actor.for_staff(admin)
    load_playbook(actor=actor, organization=school, source=VALID, filename="book.yaml")
    activate_playbook(actor=actor, organization=school, number=1)
    names = list(Tier.objects.filter(organization=school).values_list("name", flat=True))
    assert names == ["一线", "经理", "高管"]


def test_activation_checks_the_file_against_the_organization(acme: Org) -> None:
    """EB3: the skills a warm transfer rings must exist before the playbook runs;
    nothing changes when they do not."""
    load(acme)
    tiers_before = list(Tier.objects.filter(organization=acme.org).values_list("name", "role"))
    with pytest.raises(Invalid) as caught:
        activate(acme, 1)
    assert [e.message for e in caught.value.errors] == [
        f"line {line_of(VALID, '- skill: Tier 2')}: handoffs[0].steps[0].skill: "
        "no skill named 'Tier 2' in Acme; skills: -",
        f"line {line_of(VALID, '- skill: Resolution Lead')}: handoffs[0].steps[1].skill: "
        "no skill named 'Resolution Lead' in Acme; skills: -",
    ]
    assert not PlaybookVersion.objects.filter(is_active=True).exists()
    assert list(Tier.objects.filter(organization=acme.org).values_list("name", "role")) == (
        tiers_before
    )


def test_activating_an_unknown_or_another_organizations_number_is_not_found(
    acme: Org, other: Org
) -> None:
    load(other)
    with pytest.raises(NotFound):
        activate(acme, 1)
    with pytest.raises(NotFound):
        activate(acme, 99)


def test_a_version_is_immutable_and_activation_changes_no_source(acme: Org, skills: None) -> None:
    """Cases run under the version they started with: a version's file never changes,
    and activating another one leaves it as it was."""
    first = load(acme)
    activate(acme, 1)
    load(acme, VALID + "# v2\n")
    activate(acme, 2)
    stored = PlaybookVersion.objects.get(pk=first.pk)
    assert (stored.source, stored.digest, stored.number) == (VALID, first.digest, 1)
    assert playbook_of(stored) is playbook_of(first)  # parsed once, cached by digest
