"""Template filters for personal data shown in lists and previews."""

from __future__ import annotations

from django import template

from tickets.privacy.nik import mask_personal_text

register = template.Library()


@register.filter
def mask_personal(text: str) -> str:
    """Mask NIK/KK numbers, e-mail addresses and phone numbers; apply before truncating (a truncated
    number is no longer recognised)."""
    return mask_personal_text(text)
