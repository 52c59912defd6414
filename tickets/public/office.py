"""The office's published contact points as the citizen's pages show them (from the settings)."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tickets.identities import normalize_phone


@dataclass(frozen=True)
class ContactPoint:
    kind: str  # whatsapp | phone | email | facebook: the icon and the CSS class
    label: str
    shown: str
    href: str


def office_contact_points() -> list[ContactPoint]:
    """WhatsApp, phone, e-mail and Facebook, each only when configured."""
    points = []
    if settings.CURHAT_OFFICE_WHATSAPP:
        digits = settings.CURHAT_OFFICE_WHATSAPP
        with contextlib.suppress(ValidationError):
            digits = normalize_phone(digits)
        points.append(
            ContactPoint(
                "whatsapp",
                str(_("WhatsApp Chat")),
                settings.CURHAT_OFFICE_WHATSAPP,
                "https://wa.me/" + re.sub(r"\D", "", digits),
            )
        )
    if settings.CURHAT_OFFICE_PHONE:
        number = settings.CURHAT_OFFICE_PHONE
        with contextlib.suppress(ValidationError):
            number = normalize_phone(number)
        points.append(ContactPoint("phone", str(_("Telepon")), settings.CURHAT_OFFICE_PHONE, "tel:" + number))
    email = settings.CURHAT_OFFICE_EMAIL or next(iter(settings.CURHAT_EMAIL_OFFICE_ADDRESSES), "")
    if email:
        points.append(ContactPoint("email", str(_("Email")), email, "mailto:" + email))
    if settings.CURHAT_OFFICE_FACEBOOK:
        points.append(
            ContactPoint(
                "facebook",
                str(_("Facebook")),
                settings.CURHAT_OFFICE_FACEBOOK,
                settings.CURHAT_OFFICE_FACEBOOK_URL,
            )
        )
    return points
