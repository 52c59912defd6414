"""The citizen pages' text filter: ``{{ message.body|whatsapp:own_url }}`` (tickets.public.formatting)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from tickets.public.formatting import whatsapp_html

register = template.Library()


@register.filter
def whatsapp(text: str, own_url: str = "") -> SafeString:
    return whatsapp_html(text, own_url=own_url)
