"""Demo data for the embedded default: an office with staff and a few dozen realistic consultations.

Everything goes through the same services as real traffic (ticket_ingest), so the demo inbox shows
what production shows. Only for demos and local development: the accounts have known passwords.
"""
