"""Churn codes (MT2): each organization's versioned taxonomy (category → reason →
secondary reasons), the codes chosen on a case, and which case kinds need them before
closing. Imports cases and tenancy; never api or web."""
