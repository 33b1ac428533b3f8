"""Retention (ED5, MT5, MT8, TD3): the offer catalog, and on a cancellation, refund,
downgrade or level-change case the stated and true reasons, save attempts, invoice
corrections, the outcome and the payout. Imports cases, tenancy and playbooks; never
api or web."""
