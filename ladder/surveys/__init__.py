"""Satisfaction surveys after resolution (TD3, ED6 step 5): NPS and CSAT through a
tokenized public link, one answer per token. Imports tenancy, customers, cases,
deadlines and delivery; never api, web or playbooks (playbooks calls in here)."""
