"""Cases and everything on them: the state machine, interactions, tasks, escalation
and the append-only timeline. Imports tenancy and customers, never api or ops."""
