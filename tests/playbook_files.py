"""Playbook files for the tests, written here rather than read from the shipped ones so
that each test shows what it checks."""

from __future__ import annotations

# A bilingual playbook that uses every section of the format and has no problem.
VALID = """\
playbook: insurer_test
title: {en: Three-level escalation, zh-hans: 三级升级}
source: "004 insurer"
languages: [en, zh-hans]
tiers:
  - level: 1
    name: {en: Front line, zh-hans: 一线}
    role: agent
  - level: 2
    name: {en: Manager, zh-hans: 经理}
    role: manager
    team: Front desk
  - level: 3
    name: {en: Executive, zh-hans: 高管}
    role: executive
categories:
  - key: billing
    label: {en: Billing, zh-hans: 账单}
    route: {team: Front desk}
    inform: [{role: manager}]
    gather:
      - key: policy_number
        label: {en: Policy number, zh-hans: 保单号}
clocks:
  - name: reply_24h
    label: {en: Reply within 24 hours, zh-hans: 24小时内答复}
    measure: business
    target: 24h
    warn_before: [4h]
duties:
  - name: daily_notes
    label: {en: Daily notes, zh-hans: 每日记录}
    kind: daily
    evidence: {interaction: note}
checklists:
  - name: five_actions
    label: {en: Five key actions, zh-hans: 五个关键动作}
    items:
      - key: acknowledge
        label: {en: Acknowledge, zh-hans: 表示理解}
      - key: follow_up
        label: {en: Follow up, zh-hans: 跟进}
approvals:
  - name: refund
    label: {en: Refund, zh-hans: 退款}
    approver: manager
    second_approver: executive
    second_above: 1000
    on_denied:
      - notify: {to: [{owner: true}], text: {en: Refund denied, zh-hans: 退款被拒}}
handoffs:
  - name: warm_transfer
    label: {en: Warm transfer, zh-hans: 热转接}
    steps:
      - skill: Tier 2
      - skill: Resolution Lead
    fallback:
      - create_task: {title: {en: Call back, zh-hans: 回电}, due_in: 1d}
schedules:
  - name: weekly_review
    every: week
    at: "09:00"
    weekday: 0
rules:
  - name: start_reply_clock
    when: case.created
    if: {field: case.category, op: eq, value: billing}
    do:
      - start_clock: reply_24h
      - start_duty: daily_notes
  - name: stop_reply_clock
    when: interaction.logged
    with: {kind: call, outcome: reached}
    do:
      - stop_clock: reply_24h
  - name: breached_goes_up
    when: clock.breached
    with: {clock: reply_24h}
    if:
      all:
        - {field: case.tier, op: lt, value: 3}
        - not: {field: answers.policy_number, op: is_empty}
    do:
      - escalate: {}
  - name: customer_wants_leadership
    when: case.escalation_requested
    do:
      - start_handoff: warm_transfer
  - name: refund_decided
    when: approval.decided
    with: {approval: refund, decision: approved}
    if: {field: event.reason, op: is_set}
    do:
      - set_status: resolved
"""


def line_of(source: str, text: str, occurrence: int = 1) -> int:
    """The line (from 1) of the n-th line of ``source`` that contains ``text``."""
    found = [i for i, line in enumerate(source.splitlines(), start=1) if text in line]
    return found[occurrence - 1]


def edit(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, f"{old!r} is not unique in the fixture"
    return source.replace(old, new)
