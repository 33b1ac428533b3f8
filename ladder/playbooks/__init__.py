"""Playbooks: each organization's procedure as a versioned YAML file, and the engine
that runs it (rules, clocks, duties, checklists, approvals, live handoffs). Calls the
domain actions of cases; never imports api or web."""
