"""Installs a playbook version for an organization in tests of the desk and the API."""

from __future__ import annotations

import textwrap

from ladder.playbooks import actions as playbook_actions
from ladder.playbooks.models import PlaybookVersion
from ladder.tenancy import actions as tenancy_actions
from ladder.tenancy.actors import Actor
from ladder.tenancy.models import Organization, Skill, Staff

# A desk playbook with one of everything the Playbook panel shows: a category with a
# script and questions (EB4, EB5), a calendar clock (MT6), a duty (MT6), a checklist
# (ED6), an approval with a second approver (MT5), a live handoff (EB3) and a
# requirement (MT2).
DESK_BOOK = """
playbook: desk
title: {en: Desk playbook, zh-hans: 服务台手册}
languages: [en, zh-hans]
tiers:
  - {level: 1, name: {en: Agent, zh-hans: 客服}, role: agent}
  - {level: 2, name: {en: Manager, zh-hans: 经理}, role: manager}
  - {level: 3, name: {en: Executive, zh-hans: 总裁}, role: executive}
categories:
  - key: installer
    label: {en: Promises from the installer, zh-hans: 安装商承诺}
    gather:
      - {key: installer_name, label: {en: Installer's name, zh-hans: 安装商名称}}
      - {key: promise, label: {en: What was promised, zh-hans: 承诺内容}, required: false}
    script:
      en: Any promise made by the installer is the installer's responsibility.
      zh-hans: 安装商做出的任何承诺由安装商负责。
  - key: cancellation
    label: {en: Cancellation, zh-hans: 取消}
    gather:
      - key: churn_code
        label: {en: Churn code, zh-hans: 流失原因}
        choices: [price, product_gap, service, competition, company_change]
clocks:
  - name: meeting
    label: {en: Meeting within 24 hours, zh-hans: 24小时内会面}
    measure: calendar
    target: {clock_target}
    warn_before: [{clock_warn}]
duties:
  - name: contact_days
    label: {en: Contact on 2 consecutive days, zh-hans: 连续2天联系}
    kind: consecutive_days
    days: 2
    evidence: {interaction: contact_attempt}
    before: [resolved]
checklists:
  - name: key_actions
    label: {en: Five key actions, zh-hans: 五个关键行动}
    items:
      - {key: acknowledge, label: {en: Set a calm tone and acknowledge, zh-hans: 安抚并确认}}
      - {key: agree, label: {en: Reach agreement, zh-hans: 达成一致}}
approvals:
  - name: offer
    label: {en: Resolution offer, zh-hans: 解决方案}
    approver: accounting
    second_approver: executive
    second_above: 5000
handoffs:
  - name: live
    label: {en: Warm transfer, zh-hans: 热转接}
    steps:
      - {skill: Tier 2, timeout: {handoff_timeout}}
      - {skill: Resolution Lead, timeout: {handoff_timeout}}
    fallback:
      - create_task:
          title: {en: Call back as promised, zh-hans: 按承诺回电}
          due_in: 2h
          business_time: false
          assignee: {role: manager}
rules:
  - name: escalation_request_starts_the_meeting_clock
    when: case.escalation_requested
    do:
      - start_clock: meeting
      - start_duty: contact_days
  - name: offers_need_accounting
    when: case.field_changed
    with: {field: money_at_stake}
    do:
      - request_approval: {approval: offer}
  - name: churn_code_before_close
    when: case.created
    with: {kind: cancellation}
    do:
      - require_fields:
          fields: [answers.churn_code]
          before: [closed, resolved]
          message: {en: Record the churn code before closing., zh-hans: 关闭前请记录流失原因。}
"""


def desk_book(
    *, clock_target: str = "24h", clock_warn: str = "2h", handoff_timeout: str = "30s"
) -> str:
    return (
        DESK_BOOK.replace("{clock_target}", clock_target)
        .replace("{clock_warn}", clock_warn)
        .replace("{handoff_timeout}", handoff_timeout)
    )


def install_playbook(organization: Organization, source: str | None = None) -> PlaybookVersion:
    """Loads ``source`` and makes it the organization's active version, through the
    use cases the `ladder playbook` command calls. Create the skills first: activation
    checks them."""
    actor = Actor.engine(organization, rule="tests")
    version = playbook_actions.load_playbook(
        actor=actor,
        organization=organization,
        source=textwrap.dedent(source if source is not None else desk_book()),
        filename="desk.yaml",
    )
    return playbook_actions.activate_playbook(
        actor=actor, organization=organization, number=version.number
    )


def skills(organization: Organization, *, tier2: list[Staff], lead: list[Staff]) -> None:
    """The two skills the desk playbook's live handoff rings (EB3)."""
    for name, members in (("Tier 2", tier2), ("Resolution Lead", lead)):
        skill = Skill.objects.filter(organization=organization, name=name).first()
        if skill is None:
            skill = tenancy_actions.create_skill(organization=organization, name=name)
        skill.members.add(*members)
