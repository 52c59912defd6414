"""Facebook Messenger (a Facebook Page): page webhooks signed with the app secret.

Webhook URL: /webhooks/messenger/<account slug>/ (GET handshake with the verify token).
"""

from __future__ import annotations

PROVIDER = "messenger"
CHANNEL = "facebook"
# The page access token is what replies are sent with (Send API).
REQUIRED_SECRETS = ("app_secret", "verify_token", "page_access_token")
