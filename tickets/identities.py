"""Normalizing how citizens are identified: phone numbers to E.164, e-mail lower-cased.

domain.md §4: strip spaces/dashes/dots/brackets; ``+62…`` keep; ``62…`` add "+"; ``0…`` is national
(Indonesian trunk prefix) → +62…; bare ``8…`` → +628…. WhatsApp ids are E.164 without the "+".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from tickets.models import Contact, ContactIdentity

if TYPE_CHECKING:
    from tickets.inbound import IdentityChange

_SEPARATORS = re.compile(r"[\s\-.()/\u00a0]")
_WHATSAPP_PREFIX = re.compile(r"^(whatsapp|tel|sms):", re.IGNORECASE)
_PSID = re.compile(r"^\d{5,32}$")


def normalize_phone(raw: str) -> str:
    """Return the E.164 form of an Indonesian (or international) number, or raise ValidationError."""
    value = _SEPARATORS.sub("", _WHATSAPP_PREFIX.sub("", (raw or "").strip()))
    if not value:
        raise ValidationError(_("Nomor telepon kosong."), code="phone_empty")
    region = getattr(settings, "CURHAT_DEFAULT_REGION", "ID")
    if value.startswith("+"):
        candidate = value
    elif value.startswith("00"):
        candidate = "+" + value[2:]
    elif value.startswith("0"):
        candidate = value  # national format, parsed with the default region
    elif value.startswith("62"):
        candidate = "+" + value
    elif value.startswith("8"):
        candidate = "+62" + value
    else:
        candidate = "+" + value  # bare digits with a country code, as WhatsApp ids are
    if not re.fullmatch(r"\+?\d{5,17}", candidate):
        raise ValidationError(
            _("Nomor telepon tidak valid: %(value)s"), code="phone_invalid", params={"value": raw}
        )
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Nomor telepon tidak valid: %(value)s"), code="phone_invalid", params={"value": raw}
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(
            _("Nomor telepon tidak valid: %(value)s"), code="phone_invalid", params={"value": raw}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def whatsapp_id(e164: str) -> str:
    """WhatsApp's id for a number: E.164 digits without the '+' (``62811415227``)."""
    return e164.lstrip("+")


def is_mobile(e164: str) -> bool:
    """True when the number is a mobile (an SMS can reach it); landlines need a call-back."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def normalize_email(raw: str) -> str:
    value = (raw or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError(
            _("Alamat email tidak valid: %(value)s"), code="email_invalid", params={"value": raw}
        ) from exc
    return value


def normalize_identity(kind: str, value: str) -> str:
    """Normalize an identity value of the given ContactIdentity kind."""
    if kind == ContactIdentity.Kind.PHONE:
        return normalize_phone(value)
    if kind == ContactIdentity.Kind.EMAIL:
        return normalize_email(value)
    if kind in (ContactIdentity.Kind.FACEBOOK_PSID, ContactIdentity.Kind.FACEBOOK_ASID):
        cleaned = (value or "").strip()
        if not _PSID.fullmatch(cleaned):
            raise ValidationError(_("ID Messenger tidak valid."), code="psid_invalid")
        return cleaned
    if kind == ContactIdentity.Kind.WHATSAPP_USER:
        cleaned = (value or "").strip()
        if not cleaned or len(cleaned) > 254:
            raise ValidationError(_("ID pengguna WhatsApp tidak valid."), code="wa_user_invalid")
        return cleaned
    raise ValidationError(
        _("Jenis identitas tidak dikenal: %(kind)s"), code="identity_kind", params={"kind": kind}
    )


def mask_phone(e164: str) -> str:
    """+62811415227 → +62811****227 (lists and logs never show the whole number)."""
    if len(e164) <= 7:
        return "*" * len(e164)
    return e164[:6] + "*" * (len(e164) - 9) + e164[-3:]


def mask_email(email: str) -> str:
    local, _sep, domain = email.partition("@")
    if not domain:
        return "***"
    return (local[:2] if len(local) > 2 else local[:1]) + "***@" + domain


def mask_identity(kind: str, value: str) -> str:
    if kind == ContactIdentity.Kind.PHONE:
        return mask_phone(value)
    if kind == ContactIdentity.Kind.EMAIL:
        return mask_email(value)
    return value[:3] + "***" if len(value) > 6 else "***"


def contact_identity_change_apply(*, change: IdentityChange) -> ContactIdentity | None:
    """Add the new address of a citizen who changed it (``IdentityChange``) to the same contact.

    Returns the new identity when one was added; None when there was nothing to do: we never heard
    from the previous address, the new one is already this contact's (a redelivered notice), or it
    already belongs to another contact (never taken from them: an operator may merge the two).
    """
    previous = normalize_identity(change.kind, change.previous)
    new = normalize_identity(change.kind, change.new)
    if previous == new:
        return None
    with transaction.atomic():
        known = ContactIdentity.objects.filter(kind=change.kind, value=previous).first()
        if known is None:
            return None
        # The same lock ticket_ingest takes: a message from the new number waits for this.
        contact = Contact.objects.select_for_update().get(pk=known.contact_id)
        while contact.merged_into_id is not None:
            contact = Contact.objects.select_for_update().get(pk=contact.merged_into_id)
        if ContactIdentity.objects.filter(kind=change.kind, value=new).exists():
            return None
        return ContactIdentity.objects.create(contact=contact, kind=change.kind, value=new)


# Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): in a name
# they reorder what follows ("KTP\u202efdp.exe" reads "KTPexe.pdf"). Names are stored and sent
# without them; message texts are kept as written and shown isolated (dir="auto").
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def name_without_bidi(name: str | None) -> str:
    """A contact's name without bidi controls, its spacing tidied."""
    return " ".join(BIDI_CONTROLS.sub("", name or "").split())
