"""Validation of playbook files: every problem, with its file, line and path, before
anything is loaded. The playbook is the procedure of the documents (IN1, EB3, MT6 …),
so a mistake in it is a mistake in how customers are treated."""

from __future__ import annotations

import pytest

from ladder.playbooks.validation import Problem, check
from ladder.tenancy import actions as tenancy_actions
from tests.conftest import Org
from tests.playbook_files import VALID, edit, line_of

pytestmark = pytest.mark.usefixtures("english")


def problems(source: str) -> list[Problem]:
    return check(source, filename="book.yaml").problems


def only(source: str) -> Problem:
    found = problems(source)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_a_valid_file_has_no_problem_and_is_parsed() -> None:
    """IN1: the three-level ladder with its clocks, duties, approval and handoff."""
    report = check(VALID, filename="book.yaml")
    assert report.problems == []
    assert report.playbook is not None
    assert [t.role for t in report.playbook.tiers] == ["agent", "manager", "executive"]
    assert report.ok


def test_a_problem_reads_file_line_path_message() -> None:
    problem = Problem("book.yaml", 12, "tiers[1].role", "unknown role 'teacher'")
    assert str(problem) == "book.yaml:12: tiers[1].role: unknown role 'teacher'"
    assert str(Problem("book.yaml", 3, "", "YAML syntax: oops")) == "book.yaml:3: YAML syntax: oops"


def test_yaml_syntax_errors_report_their_line() -> None:
    source = edit(VALID, "    measure: business\n", "    measure: [business\n")
    problem = only(source)
    assert problem.line == line_of(source, "target: 24h")
    assert problem.message.startswith("YAML syntax:")


def test_an_unknown_role_is_reported_at_its_line() -> None:
    """IN1: each rung is worked by a role the desk knows."""
    source = edit(VALID, "    role: manager\n", "    role: teacher\n")
    problem = only(source)
    assert problem.path == "tiers[1].role"
    assert problem.line == line_of(source, "role: teacher")
    assert "unknown role 'teacher'" in problem.message
    assert "academic_director" in problem.message


def test_an_unknown_field_is_reported_with_the_fields_expected() -> None:
    source = edit(
        VALID,
        "      - notify: {to: [{owner: true}],",
        "      - notify: {recipients: x, to: [{owner: true}],",
    )
    problem = only(source)
    assert problem.path == "approvals[0].on_denied[0].notify.recipients"
    assert problem.line == line_of(source, "recipients: x")
    assert "unknown field" in problem.message
    assert "to, channel, text" in problem.message


def test_a_missing_key_is_reported_where_its_mapping_is() -> None:
    source = edit(VALID, "    role: executive\n", "")
    problem = only(source)
    assert problem.path == "tiers[2].role"
    assert problem.line == line_of(source, "- level: 3")
    assert problem.message == "is required"


def test_a_bad_condition_is_reported_once_in_its_own_terms() -> None:
    """A condition is one of all / any / not / a comparison; a mistake in a comparison
    is not also reported as a mistake in the three other kinds."""
    source = edit(VALID, "{field: case.tier, op: lt, value: 3}", "{field: case.tier, op: below}")
    problem = only(source)
    assert problem.path == "rules[2].if.all[0].op"
    assert problem.line == line_of(source, "op: below")
    assert "'below' is not allowed here" in problem.message


def test_an_unknown_clock_is_reported_in_actions_and_filters() -> None:
    """MT6: the 24-hour meeting clock a rule starts must be defined."""
    source = edit(VALID, "      - start_clock: reply_24h", "      - start_clock: meeting_24h")
    source = edit(source, "    with: {clock: reply_24h}", "    with: {clock: meeting_24h}")
    found = problems(source)
    assert [(p.path, p.line) for p in found] == [
        ("rules[0].do[0].start_clock", line_of(source, "start_clock: meeting_24h")),
        ("rules[2].with.clock", line_of(source, "with: {clock: meeting_24h}")),
    ]
    assert all("unknown clock 'meeting_24h'; known: reply_24h" in p.message for p in found)


def test_unknown_duty_approval_handoff_and_schedule_are_reported() -> None:
    source = edit(VALID, "- start_duty: daily_notes", "- start_duty: weekly_notes")
    source = edit(source, "- start_handoff: warm_transfer", "- start_handoff: cold_transfer")
    source = edit(source, "{approval: refund, decision: approved}", "{approval: rebate}")
    source += "  - name: weekly\n    when: schedule\n    with: {schedule: daily}\n"
    source += "    do: [{request_approval: {approval: discount}}]\n"
    found = {p.path: p.message for p in problems(source)}
    assert found == {
        "rules[0].do[1].start_duty": "unknown duty 'weekly_notes'; known: daily_notes",
        "rules[3].do[0].start_handoff": "unknown handoff 'cold_transfer'; known: warm_transfer",
        "rules[4].with.approval": "unknown approval 'rebate'; known: refund",
        "rules[5].with.schedule": "unknown schedule 'daily'; known: weekly_review",
        "rules[5].do[0].request_approval.approval": "unknown approval 'discount'; known: refund",
    }


def test_a_filter_the_trigger_does_not_offer_is_reported() -> None:
    source = edit(VALID, "with: {kind: call, outcome: reached}", "with: {kind: call, clock: x}")
    problem = only(source)
    assert problem.path == "rules[1].with.clock"
    assert "interaction.logged cannot be narrowed by 'clock'; it takes: kind, outcome" in (
        problem.message
    )


def test_unknown_fields_in_conditions_are_reported() -> None:
    """Conditions read real case fields, gathered answers (EB4) and what the trigger
    offers; anything else would silently read as empty."""
    source = edit(VALID, "field: case.category, op: eq", "field: case.colour, op: eq")
    source = edit(source, "field: answers.policy_number", "field: answers.contract_id")
    source = edit(source, "field: event.reason", "field: event.amount")
    found = {p.path: p.message for p in problems(source)}
    assert set(found) == {
        "rules[0].if.field",
        "rules[2].if.all[1].not.field",
        "rules[4].if.field",
    }
    assert found["rules[0].if.field"].startswith("unknown case field 'colour'; known: kind,")
    assert found["rules[2].if.all[1].not.field"] == (
        "unknown answer 'contract_id'; known: policy_number"
    )
    assert found["rules[4].if.field"] == (
        "approval.decided offers no event.amount; it offers: "
        "event.approval, event.decision, event.reason"
    )


def test_a_clock_started_but_never_stopped_is_reported() -> None:
    """A promise with no end would breach on every case."""
    source = edit(VALID, "      - stop_clock: reply_24h", "      - start_duty: daily_notes")
    assert problems(source) == []  # stop_when (resolved, closed) stops it by default
    source = edit(source, "    warn_before: [4h]\n", "    warn_before: [4h]\n    stop_when: []\n")
    problem = only(source)
    assert problem.path == "clocks[0].stop_when"
    assert problem.line == line_of(source, "stop_when: []")
    assert "reply_24h is started but never stopped" in problem.message


def test_a_rule_escalating_on_its_own_escalation_is_a_loop() -> None:
    """IN1: a case climbs one rung at a time; a rule on case.escalated that escalates
    again unconditionally would send every case to the top at once."""
    source = VALID + "  - name: again\n    when: case.escalated\n    do: [{escalate: {}}]\n"
    problem = only(source)
    assert problem.path == "rules[5]"
    assert problem.line == line_of(source, "- name: again")
    assert problem.message == (
        "a loop: rule again → rule again, each firing the next unconditionally"
    )


def test_a_condition_or_a_narrower_filter_breaks_the_loop() -> None:
    guarded = (
        "  - name: again\n    when: case.escalated\n"
        "    if: {field: case.tier, op: lt, value: 2}\n    do: [{escalate: {}}]\n"
    )
    narrowed = (
        "  - name: again\n    when: case.escalated\n    with: {to_tier: 2}\n"
        "    do: [{escalate: {tier: 3}}]\n"
    )
    assert problems(VALID + guarded) == []
    assert problems(VALID + narrowed) == []


def test_rules_setting_statuses_back_and_forth_are_a_loop() -> None:
    source = VALID + (
        "  - name: wait\n    when: case.status_changed\n    with: {to: in_progress}\n"
        "    do: [{set_status: awaiting_customer}]\n"
        "  - name: work\n    when: case.status_changed\n    with: {to: awaiting_customer}\n"
        "    do: [{set_status: in_progress}]\n"
    )
    problem = only(source)
    assert problem.path == "rules[5]"
    assert "rule wait → rule work → rule wait" in problem.message


def test_a_handoff_whose_fallback_starts_it_again_is_a_loop() -> None:
    """EB3: when nobody answers, the fallback is a case with a promised follow-up, not
    the same transfer again."""
    source = edit(
        VALID,
        "      - create_task: {title: {en: Call back, zh-hans: 回电}, due_in: 1d}",
        "      - start_handoff: warm_transfer",
    )
    problem = only(source)
    assert problem.path == "handoffs[0].fallback"
    assert problem.line == line_of(source, "fallback:")
    assert "the fallback of handoff warm_transfer → the fallback of handoff warm_transfer" in (
        problem.message
    )


def test_duplicate_names_are_reported_at_the_second() -> None:
    source = edit(VALID, "  - name: stop_reply_clock", "  - name: start_reply_clock")
    problem = only(source)
    assert problem.path == "rules[1].name"
    assert problem.line == line_of(source, "- name: start_reply_clock", 2)
    assert problem.message == "'start_reply_clock' is already used by rules[0]"


def test_a_duplicate_key_in_a_mapping_is_reported() -> None:
    source = edit(
        VALID, "    measure: business\n", "    measure: business\n    measure: calendar\n"
    )
    problem = only(source)
    assert problem.path == "clocks[0].measure"
    assert problem.line == line_of(source, "measure: calendar")


def test_a_bare_on_is_reported_as_the_boolean_yaml_reads() -> None:
    """YAML 1.1 reads `on:` as true; a rule written with it has no trigger."""
    source = edit(VALID, "    when: case.escalation_requested", "    on: case.escalation_requested")
    found = problems(source)
    assert [(p.path, p.line) for p in found] == [
        ("rules[3].when", line_of(source, "- name: customer_wants_leadership")),
        ("rules[3].on", line_of(source, "on: case.escalation_requested")),
    ]
    assert found[0].message == "is required"
    assert found[1].message == (
        "YAML reads the key on as true or false: quote it, or write when: for a rule's trigger"
    )


def test_a_text_missing_a_listed_language_is_reported() -> None:
    """ED: the school's playbook speaks Chinese; every text must say it in Chinese too."""
    source = edit(VALID, "{en: Daily notes, zh-hans: 每日记录}", "Daily notes")
    problem = only(source)
    assert problem.path == "duties[0].label"
    assert problem.line == line_of(source, "label: Daily notes")
    assert "has no zh-hans text" in problem.message
    english_only = edit(source, "languages: [en, zh-hans]", "languages: [en]")
    assert problems(english_only) == []


def test_an_escalation_to_a_tier_the_ladder_lacks_is_reported() -> None:
    source = edit(VALID, "      - escalate: {}", "      - escalate: {tier: 4}")
    problem = only(source)
    assert problem.path == "rules[2].do[0].escalate.tier"
    assert "tier 4 is not a level above 1 of this ladder (levels: 1, 2, 3)" in problem.message


def test_tier_levels_out_of_order_are_reported() -> None:
    source = edit(VALID, "  - level: 3", "  - level: 4")
    problem = only(source)
    assert problem.path == "tiers"
    assert "tier levels must be 1, 2, 3 … in order, got [1, 2, 4]" in problem.message


def test_a_file_with_several_errors_reports_every_one() -> None:
    """Shape errors all at once, each at its own line …"""
    source = edit(VALID, "    role: manager\n", "    role: teacher\n")
    source = edit(source, "    measure: business", "    measure: lunar")
    source = edit(source, "    target: 24h", "    target: a day")
    found = problems(source)
    assert [p.path for p in found] == ["tiers[1].role", "clocks[0].measure", "clocks[0].target"]
    assert [p.line for p in found] == sorted(p.line for p in found)
    # … and meaning errors all at once.
    source = edit(VALID, "- start_duty: daily_notes", "- start_duty: weekly_notes")
    source = edit(source, "  - name: stop_reply_clock", "  - name: start_reply_clock")
    source = edit(source, "{en: Daily notes, zh-hans: 每日记录}", "Daily notes")
    source = edit(source, "field: case.category, op: eq", "field: case.colour, op: eq")
    assert len(problems(source)) == 4


def test_an_empty_file_or_a_list_is_not_a_playbook() -> None:
    assert "a playbook is a mapping" in only("").message
    assert "a playbook is a mapping" in only("- a\n- b\n").message


# --- against an organization ---------------------------------------------------------


@pytest.fixture
def skills(acme: Org) -> None:
    for name in ("Tier 2", "Resolution Lead"):
        tenancy_actions.create_skill(organization=acme.org, name=name)


def test_the_file_passes_against_an_organization_that_has_its_names(
    acme: Org, skills: None
) -> None:
    assert check(VALID, filename="book.yaml", organization=acme.org).problems == []


def test_unknown_teams_and_skills_are_reported_against_the_organization(acme: Org) -> None:
    """EB3: the warm transfer rings skills that must exist in the organization."""
    source = edit(VALID, "    route: {team: Front desk}", "    route: {team: Billing desk}")
    assert problems(source) == []  # without an organization, names cannot be checked
    found = check(source, filename="book.yaml", organization=acme.org).problems
    assert [(p.path, p.line) for p in found] == [
        ("categories[0].route.team", line_of(source, "route: {team: Billing desk}")),
        ("handoffs[0].steps[0].skill", line_of(source, "- skill: Tier 2")),
        ("handoffs[0].steps[1].skill", line_of(source, "- skill: Resolution Lead")),
    ]
    assert found[0].message == "no team named 'Billing desk' in Acme; teams: Front desk"
    assert found[1].message == "no skill named 'Tier 2' in Acme; skills: -"


def test_a_tier_whose_role_nobody_holds_is_unreachable(acme: Org, skills: None) -> None:
    """IN1: a rung nobody works is a rung no case can reach. Escalation from the desk
    always exists (one tier up), so levels in order are reachable; what makes a tier
    unreachable is an organization where nobody holds its role."""
    source = edit(VALID, "    role: executive\n", "    role: principal\n")
    assert problems(source) == []
    problem = check(source, filename="book.yaml", organization=acme.org).problems
    assert [(p.path, p.line) for p in problem] == [
        ("tiers[2].role", line_of(source, "role: principal"))
    ]
    assert problem[0].message == (
        "tier 3 is unreachable: nobody in Acme holds the role principal that works it"
    )


def test_validation_accepts_the_filters_the_engine_matches() -> None:
    """The `with:` keys validation accepts per trigger are the ones the engine's
    trigger matching reads, so a valid filter is never silently ignored."""
    from ladder.playbooks import triggers, validation

    assert {t: set(keys) for t, keys in validation.FILTERS.items()} == {
        t: set(keys) for t, keys in triggers.FILTERS.items()
    }
