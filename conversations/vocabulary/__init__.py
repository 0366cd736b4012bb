"""Translated names of domain values (roles, phases, topics, referral types, agreement kinds,
statuses) and the sentences of domain errors: one place, so that flows do not import each other
for a word."""
