"""Phone calls through Twilio Voice: the incoming-call webhook answers TwiML (Bahasa Indonesia);
call-status, recording and transcription callbacks describe the same call.

Webhook URL: /webhooks/twilio_voice/<account slug>/ (Twilio number's Voice URL, and its status
callback with ``?event=status``). Account config: ``operator_number`` (E.164, dialled in office
hours), ``office_days`` (0=Monday …), ``office_hours`` ("08:00-16:00", WITA), ``transcribe`` (bool).
"""

from __future__ import annotations

PROVIDER = "twilio_voice"
CHANNEL = "phone"
REQUIRED_SECRETS = ("auth_token",)
