"""Website channel (``channel=website``, provider ``website``): the public form and tracking page.

The pages live with the tickets app (``tickets/public/views.py``, ``forms.py``,
``services.py``) because they are our own HTML, not a provider's webhook: a submission is
validated (CSRF, honeypot, rate limits, content-checked files) and handed to ``ticket_ingest`` in the
same request. Replies to website tickets reach the citizen through the tracking page, and through
the phone or e-mail identity the citizen gave.
"""

from __future__ import annotations

PROVIDER = "website"
CHANNEL = "website"
# No webhook and no secret: the form is our own page (CSRF, honeypot, rate limits).
REQUIRED_SECRETS: tuple[str, ...] = ()
