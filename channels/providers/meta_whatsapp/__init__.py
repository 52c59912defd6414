"""WhatsApp through Meta's Cloud API: webhooks signed with the app secret (X-Hub-Signature-256).

Webhook URL: /webhooks/meta_whatsapp/<account slug>/ (GET handshake with the verify token).
"""

from __future__ import annotations

PROVIDER = "meta_whatsapp"
CHANNEL = "whatsapp"
# app_secret verifies webhooks, verify_token answers the GET handshake, access_token fetches media.
REQUIRED_SECRETS = ("app_secret", "verify_token", "access_token")
