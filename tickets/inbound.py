"""Normalized events: what every provider adapter turns a provider's request into.

Everything after the adapter (threading, contacts, tickets, reports) works on these plain types only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DeliveryStatus(StrEnum):
    """Our outbound message's state as a provider reports it; ``UNKNOWN`` for states we do not map."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Sender:
    """Who wrote: ``kind`` is a ContactIdentity kind (phone, email, facebook_psid, whatsapp_user);
    ``value`` as the provider gave it (normalized by ticket_ingest)."""

    kind: str
    value: str
    display_name: str = ""


@dataclass(frozen=True)
class InboundAttachment:
    """A file that came with a message: either its bytes (e-mail, web form) or where to fetch them
    (Twilio MediaUrl, Meta media id, Messenger attachment URL), downloaded later by a worker."""

    filename: str = ""
    content_type: str = ""
    content: bytes | None = None
    url: str = ""
    provider_media_id: str = ""


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    provider: str
    provider_message_id: str
    sender: Sender
    timestamp: dt.datetime
    text: str = ""
    kind: str = "text"
    subject: str = ""
    attachments: tuple[InboundAttachment, ...] = ()
    # Threading hints: e-mail In-Reply-To/References ids, a quoted provider message id,
    # or a ticket reference the citizen quoted (e.g. "[CA-2026-000123]" in a subject).
    reply_to_ids: tuple[str, ...] = ()
    ticket_reference: str = ""
    # Provider specifics kept for the timeline (location, call duration, reply context, ...).
    meta: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    provider: str
    provider_message_id: str
    status: DeliveryStatus
    timestamp: dt.datetime
    error_code: str = ""
    error_text: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundCall:
    """A phone call: one call is one ticket message however many callbacks describe it."""

    channel: str
    provider: str
    call_id: str
    sender: Sender
    timestamp: dt.datetime
    status: str = ""
    duration_seconds: int | None = None
    recording_url: str = ""
    transcript: str = ""
    # The recording's own details (Twilio RecordingSid / RecordingDuration / RecordingStatus) and the
    # transcription's outcome ("completed", "failed"): later callbacks carry them, never ``From``.
    recording_sid: str = ""
    recording_seconds: int | None = None
    recording_status: str = ""
    transcription_status: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentityChange:
    """A provider tells us a citizen now writes from another address (WhatsApp: "user changed
    number"). The new address becomes an identity of the same contact; nothing opens a ticket.

    ``kind`` is a ContactIdentity kind; ``previous``/``new`` as the provider gave them (normalized
    by the service)."""

    provider: str
    kind: str
    previous: str
    new: str
    timestamp: dt.datetime
    notice_id: str = ""  # the provider's id of the notice (Meta: the system message's wamid)
    raw: dict[str, Any] = field(default_factory=dict)
