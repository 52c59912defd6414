"""E-mail channel (``channel=email``): an IMAP mailbox polled by UID (``imap.py``, ``tasks.py``) and
ESP inbound webhooks through django-anymail (``anymail_inbound.py``, ``urls.py``). Both store the raw
mail or request first, then parse it (``parse.py``) and ingest it (``inbound.py``).

Outbound mail lives in ``outbound.py`` (another module's concern).
"""

from __future__ import annotations

# Registry declarations (channels.registry): the IMAP account is the one with a webhook-free
# secret to check; ESP webhooks authenticate through anymail's settings, not per account.
PROVIDER = "email_imap"
PROVIDERS = ("email_imap", "email_anymail")
CHANNEL = "email"
REQUIRED_SECRETS = ("password",)
