"""What our log lines may say about a person: never a whole NIK/KK number (``tickets.privacy.nik``),
never a Messenger or Facebook user id. Those ids (page-scoped PSIDs, app-scoped ids) name one person
at Meta: a log line names them by :func:`log_ref`, a keyed hash that lets someone holding the logs
follow one id through them without learning it.

``curhat.logging.MaskPersonalNumbers`` runs :func:`mask_log_text` over every record's message and
traceback; code that logs about an id passes ``log_ref(id)`` (and scrubs the id from provider error
texts with :func:`scrub_id`) so the message is safe before any filter runs.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

from tickets.privacy.nik import mask_numbers_in

# A Graph API path carries the user's id: https://graph.facebook.com/v19.0/6783241019432912?fields=…
_GRAPH_ID = re.compile(r"(/v\d+\.\d+/)(\d{5,})(?!\d)")


def log_ref(value: str) -> str:
    """``id#`` and 10 hex digits of a keyed hash of ``value`` (stable within one installation)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"log-id:{value}".encode(), hashlib.sha256)
    return "id#" + digest.hexdigest()[:10]


def scrub_id(text: str, value: str) -> str:
    """``text`` (a provider's error, an exception's message) with ``value`` replaced by its ref."""
    return text.replace(value, log_ref(value)) if value and text else text


def mask_log_text(text: str) -> str:
    """NIK/KK numbers masked, user ids in Graph API paths replaced by their ref."""
    if not text:
        return text
    return _GRAPH_ID.sub(lambda m: m.group(1) + log_ref(m.group(2)), mask_numbers_in(text))
