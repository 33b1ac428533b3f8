"""Delivery: the outbox of side effects (e-mail, chat channels, webhooks) retried with
backoff until delivered, and in-app notifications. Never imports api, web or playbooks."""
