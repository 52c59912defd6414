"""Erasure of the provider events this app keeps (tickets.privacy.erasure).

A ``channels.InboundEvent`` is the provider's request exactly as it arrived: the citizen's number,
profile name, e-mail headers and text, kept to replay an event after a fix. On erasure the events that
name the erased citizen (one of their addresses, in any of the forms providers write them, written in
groups too, as in another citizen's message "nomor adik saya 0812-3456-7890"; one of their NIKs; or
one of the erased messages' provider ids) are deleted, whenever they arrived; the retention sweep deletes every event older than
``CURHAT_INBOUND_EVENT_RETENTION_DAYS``. The tally never reads events.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote_plus

from django.conf import settings

from channels.models import InboundEvent
from tickets.privacy.erasure import ErasureScope


def _needles(scope: ErasureScope) -> list[str]:
    """Lower-case strings whose presence in an event's body or headers ties it to the citizen."""
    found: set[str] = set()
    for kind, value in scope.identities:
        value = (value or "").strip().lower()
        if not value:
            continue
        if kind in ("phone", "whatsapp_user") and value.lstrip("+").isdigit():
            digits = value.lstrip("+")
            # +62811415227, 62811415227 and 0811415227 all contain the national number 811415227.
            found.add(digits[2:] if digits.startswith("62") and len(digits) > 9 else digits)
        else:
            found.add(value)
    found.update(pid.lower() for pid in scope.provider_message_ids if len(pid) >= 6)
    found.update(nik for nik in scope.niks if len(nik) == 16)
    return sorted(found)


# Separators between two digits ("0812-3456 7890", "7372.0145…"), and escapes JSON writes for them.
_DIGIT_GAP = re.compile(r"(?<=\d)(?:[\s.\-/_,|:]|\\[nrt]|\\u200[b-f]|\\u00a0|\u200b|\u200c|\u200d)+(?=\d)")


def _event_text(event: InboundEvent) -> str:
    raw = bytes(event.body or b"").decode("utf-8", errors="replace")
    text = f"{raw}\n{event.headers}\n{event.reason}"
    text = f"{text}\n{unquote_plus(text)}".lower()
    return f"{text}\n{_DIGIT_GAP.sub('', text)}"


def events_erase(sender, *, scope: ErasureScope, **kwargs) -> int:
    """Receiver of ``personal_data_erased``: delete the events that name the erased citizen."""
    needles = _needles(scope)
    if not needles:
        return 0
    # Every event, not only those since the citizen's first message: another citizen may have named
    # them before (events are kept CURHAT_INBOUND_EVENT_RETENTION_DAYS only).
    events = InboundEvent.objects.all()
    doomed = [
        event.pk
        for event in events.only("pk", "body", "headers", "reason").iterator(chunk_size=500)
        if any(needle in _event_text(event) for needle in needles)
    ]
    if doomed:
        InboundEvent.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def events_expire(sender, *, now: dt.datetime, **kwargs) -> int:
    """Receiver of ``retention_swept``: delete events older than their retention period."""
    limit = now - dt.timedelta(days=settings.CURHAT_INBOUND_EVENT_RETENTION_DAYS)
    # An event still waiting in the queue is not expired: it was acknowledged and must be applied.
    deleted, _ = (
        InboundEvent.objects.filter(received_at__lt=limit)
        .exclude(outcome=InboundEvent.Outcome.PENDING)
        .delete()
    )
    return deleted


def connect() -> None:
    from tickets.privacy.erasure import personal_data_erased, retention_swept

    personal_data_erased.connect(events_erase, dispatch_uid="channels-events-erase")
    retention_swept.connect(events_expire, dispatch_uid="channels-events-expire")
