"""Deadlines: rows with a due time that the worker fires exactly once (clock warnings
and breaches, duty due times, live-handoff timeouts, schedules). Imports tenancy and
cases only for foreign keys; never api, web or playbooks (playbooks registers handlers)."""
