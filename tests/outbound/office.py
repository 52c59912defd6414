"""The office's accounts and a citizen, as the outbound tests configure them."""

from __future__ import annotations

TWILIO_SID = "AC" + "c0ffee" * 5 + "00"
TWILIO_TOKEN = "twilio-auth-token-uji"
META_PHONE_NUMBER_ID = "106540352242922"
META_TOKEN = "EAAG-meta-token-uji"
PAGE_ID = "105938372231234"
PAGE_TOKEN = "EAAG-page-token-uji"
OFFICE_WHATSAPP = "+62811415227"
OFFICE_PHONE = "+62811428227"
OFFICE_EMAIL = "curhat@disdukcapil.parepare.example"
CITIZEN_MOBILE = "+6281234567890"
CITIZEN_LANDLINE = "+62421212345"
CONTENT_SID = "HX" + "b5b62575e6e4ff6129ad7c8efe1f983e"
