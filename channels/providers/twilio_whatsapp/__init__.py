"""WhatsApp through Twilio: form-encoded webhooks signed with the account's auth token.

Webhook URL (incoming messages and status callbacks): /webhooks/twilio_whatsapp/<account slug>/.
The account's ``config["account_sid"]`` (or secret ``account_sid``) is used to fetch media.
"""

from __future__ import annotations

PROVIDER = "twilio_whatsapp"
CHANNEL = "whatsapp"
REQUIRED_SECRETS = ("auth_token",)
