"""Writes to tickets: ingest a citizen's message, and the ticket's life afterwards.

Every channel adapter calls :func:`ticket_ingest` with a normalized ``InboundMessage``; nothing here
knows which provider it came from.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, replace
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from tickets.identities import name_without_bidi, normalize_identity
from tickets.inbound import InboundMessage
from tickets.models import (
    Attachment,
    Channel,
    Contact,
    ContactIdentity,
    Message,
    Ticket,
    TicketSequence,
)
from tickets.privacy.numberindex import message_numbers_index

logger = logging.getLogger(__name__)

REFERENCE_PATTERN = re.compile(r"\bCA-(\d{4})-(\d{6,})\b")


@dataclass(frozen=True)
class IngestResult:
    message: Message
    ticket: Ticket
    contact: Contact
    created: bool  # False: the provider redelivered a message we already hold
    ticket_created: bool


def local_now() -> dt.datetime:
    return timezone.localtime(timezone.now())


def ticket_reference_allocate(*, opened_at: dt.datetime) -> tuple[int, int, str]:
    """Take the next reference number of the (local) year of ``opened_at``.

    Must run inside the caller's transaction: the UPDATE holds the sequence row's lock until commit,
    so concurrent creators queue behind each other and a rolled-back ticket leaves no gap. One
    statement (UPDATE … RETURNING, PostgreSQL and SQLite ≥ 3.35) in the common case.
    """
    year = timezone.localtime(opened_at).year
    table = TicketSequence._meta.db_table
    sql = f"UPDATE {table} SET last_number = last_number + 1 WHERE year = %s RETURNING last_number"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
        if row is None:
            # First ticket of the year: create the row without racing (a concurrent creator's row
            # wins and we increment it instead).
            TicketSequence.objects.bulk_create(
                [TicketSequence(year=year, last_number=0)], ignore_conflicts=True
            )
            cursor.execute(sql, [year])
            row = cursor.fetchone()
    number = int(row[0])
    return year, number, f"CA-{year}-{number:06d}"


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(value: str) -> str:
    """Text the database can hold: NUL removed (it carries nothing a reader needs), a lone UTF-16
    surrogate (a JSON ``\\ud800`` escape without its pair) replaced by U+FFFD."""
    if not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda m: "" if m.group(0) == "\x00" else "\ufffd", value)


def _storable_meta(value):
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(str(k)): _storable_meta(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable_meta(v) for v in value]
    return value


def _unstorable(value) -> bool:
    if isinstance(value, str):
        return bool(_UNSTORABLE.search(value))
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


def _without_nul(message: InboundMessage) -> InboundMessage:
    """PostgreSQL cannot store NUL or a lone surrogate in text: a provider that sends one gets it
    removed or replaced (the rest is stored exactly as received), instead of an event that can never
    be ingested."""
    text, subject, display_name = message.text, message.subject, message.sender.display_name
    values = (text, subject, display_name, message.provider_message_id)
    if not any(_UNSTORABLE.search(value or "") for value in values) and not _unstorable(message.meta):
        return message
    sender = replace(message.sender, display_name=storable_text(display_name))
    return replace(
        message,
        sender=sender,
        text=storable_text(text),
        subject=storable_text(subject),
        provider_message_id=storable_text(message.provider_message_id),
        meta=_storable_meta(message.meta),
    )


def _validate(message: InboundMessage) -> tuple[str, str]:
    if message.channel not in Channel.values:
        raise ValidationError(
            _("Kanal tidak dikenal: %(channel)s"), code="unknown_channel", params={"channel": message.channel}
        )
    if not (message.text or "").strip() and not message.attachments and message.kind in ("text", "media"):
        raise ValidationError(_("Pesan tanpa teks dan tanpa lampiran."), code="empty_message")
    if not message.provider:
        raise ValidationError(_("Penyedia pesan tidak disebutkan."), code="no_provider")
    if message.timestamp.tzinfo is None:
        raise ValidationError(_("Waktu pesan harus berzona waktu."), code="naive_timestamp")
    kind = message.sender.kind
    value = normalize_identity(kind, message.sender.value)
    return kind, value


def _find_or_create_contact(kind: str, value: str, display_name: str) -> tuple[Contact, bool]:
    """(contact, created). An existing contact is locked for the rest of the transaction: two messages
    from one citizen arriving at once are threaded one after the other, so they cannot both open a
    new ticket."""
    display_name = name_without_bidi(display_name)  # no reordering controls in a stored name
    identity = ContactIdentity.objects.filter(kind=kind, value=value).first()
    if identity is not None:
        contact = Contact.objects.select_for_update().get(pk=identity.contact_id)
        while contact.merged_into_id is not None:  # follow operator merges to the surviving contact
            contact = Contact.objects.select_for_update().get(pk=contact.merged_into_id)
        if display_name and not contact.name:
            contact.name = display_name[:200]
            contact.save(update_fields=["name", "updated_at"])
        return contact, False
    contact = Contact.objects.create(name=display_name[:200])
    ContactIdentity.objects.create(contact=contact, kind=kind, value=value)
    return contact, True


def _thread_target(contact: Contact, message: InboundMessage) -> Ticket | None:
    """The ticket this message continues, if any."""
    # 1. An explicit reply (e-mail In-Reply-To/References, a quoted WhatsApp message) to one of the
    #    contact's messages continues that ticket, however old, unless it was closed.
    if message.reply_to_ids:
        replied = (
            Message.objects.filter(
                provider_message_id__in=message.reply_to_ids,
                ticket__contact=contact,
            )
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if replied is not None and replied.ticket.status in Ticket.CONTINUABLE_STATUSES:
            return replied.ticket
    # 2. A quoted reference ("[CA-2026-000123]") continues it, but only for its own contact: a
    #    stranger quoting a reference must not write into someone else's ticket.
    match = REFERENCE_PATTERN.search(message.ticket_reference or message.subject or "")
    if match:
        quoted = Ticket.objects.filter(
            reference=match.group(0), contact=contact, status__in=Ticket.CONTINUABLE_STATUSES
        ).first()
        if quoted is not None:
            return quoted
    # 3. The contact's latest non-closed ticket on the same channel, if recently active.
    window = dt.timedelta(days=settings.CURHAT_THREAD_WINDOW_DAYS)
    recent = (
        Ticket.objects.filter(
            contact=contact,
            channel=message.channel,
            status__in=Ticket.CONTINUABLE_STATUSES,
            merged_into__isnull=True,
            last_activity_at__gte=message.timestamp - window,
        )
        .order_by("-last_activity_at", "-id")
        .first()
    )
    if recent is not None:
        return recent
    # 4. A thank-you or sign-off ("Terima kasih, besok saya ke kantor.") shortly after the office
    #    closed the contact's ticket on this channel belongs to that ticket: shown in its timeline,
    #    no new ticket, no automatic acknowledgement; the ticket stays closed (tickets.closing).
    from tickets.closing import is_closing_message  # here: the rest of this module is not its concern

    grace = dt.timedelta(hours=settings.CURHAT_CLOSED_GRACE_HOURS)
    if not grace or message.attachments or not is_closing_message(message.text or ""):
        return None
    return (
        Ticket.objects.filter(
            contact=contact,
            channel=message.channel,
            status=Ticket.Status.CLOSED,
            merged_into__isnull=True,
            closed_at__gte=message.timestamp - grace,
            closed_at__lte=message.timestamp,
        )
        .order_by("-closed_at", "-id")
        .first()
    )


def _store_attachments(stored: Message, message: InboundMessage) -> list[Attachment]:
    from tickets.attachments import attachment_accept  # content checks live with the files

    created = []
    for item in message.attachments:
        if item.content is not None:
            created.append(
                attachment_accept(
                    message=stored,
                    filename=item.filename,
                    declared_type=item.content_type,
                    content=item.content,
                )
            )
        else:
            created.append(
                Attachment.objects.create(
                    message=stored,
                    original_name=item.filename[:255],
                    declared_content_type=item.content_type[:100],
                    source_url=item.url,
                    provider_media_id=item.provider_media_id,
                    download_status=Attachment.DownloadStatus.PENDING,
                )
            )
    return created


def _ticket_continue(ticket: Ticket, timestamp: dt.datetime) -> bool:
    """Record a new inbound message's activity on the ticket it continues, BEFORE the message row is
    inserted. The UPDATE takes the ticket's row lock first: every writer locks contact → ticket →
    message rows in that order (the auto-acknowledgement locks the ticket, then inserts a message),
    so an ingest and a task on the same ticket queue behind each other instead of deadlocking (the
    message INSERT's key-share lock followed by an UPDATE of the ticket was the cycle). False when
    the ticket can no longer be continued (an operator closed or merged it meanwhile)."""
    reopened = Case(
        When(status__in=(Ticket.Status.ANSWERED, Ticket.Status.RESOLVED), then=Value(Ticket.Status.OPEN)),
        default=F("status"),
    )
    # A closed ticket comes here only as a thank-you's target (_thread_target, step 4): it stays
    # closed, and is continued only if it still is.
    allowed = (
        (Ticket.Status.CLOSED,) if ticket.status == Ticket.Status.CLOSED else Ticket.CONTINUABLE_STATUSES
    )
    changed = Ticket.objects.filter(pk=ticket.pk, status__in=allowed, merged_into__isnull=True).update(
        last_activity_at=Greatest(F("last_activity_at"), Value(timestamp)),
        last_inbound_at=Greatest(Coalesce(F("last_inbound_at"), Value(timestamp)), Value(timestamp)),
        resolved_at=Case(
            When(status__in=(Ticket.Status.ANSWERED, Ticket.Status.RESOLVED), then=Value(None)),
            default=F("resolved_at"),
        ),
        status=reopened,
        updated_at=timezone.now(),
    )
    if not changed:
        return False
    # The caller's copy, as the UPDATE left the row.
    ticket.last_activity_at = max(ticket.last_activity_at, timestamp)
    ticket.last_inbound_at = max(ticket.last_inbound_at or timestamp, timestamp)
    if ticket.status in (Ticket.Status.ANSWERED, Ticket.Status.RESOLVED):
        ticket.status = Ticket.Status.OPEN
        ticket.resolved_at = None
    return True


def _ingest_once(
    message: InboundMessage, kind: str, value: str, account, event, new_ticket: bool
) -> IngestResult:
    with transaction.atomic():
        contact, new_contact = _find_or_create_contact(kind, value, message.sender.display_name)
        # A contact we have never seen has no ticket to continue.
        ticket = None if new_ticket or new_contact else _thread_target(contact, message)
        if ticket is not None and not _ticket_continue(ticket, message.timestamp):
            ticket = None  # closed or merged by an operator since we looked: a new consultation
        ticket_created = ticket is None
        if ticket is None:
            year, number, reference = ticket_reference_allocate(opened_at=message.timestamp)
            ticket = Ticket.objects.create(
                reference=reference,
                year=year,
                number=number,
                contact=contact,
                channel=message.channel,
                account=account,
                subject=(message.subject or "")[:255],
                status=Ticket.Status.NEW,
                created_at=message.timestamp,
                last_activity_at=message.timestamp,
                last_inbound_at=message.timestamp,
            )
        stored = Message.objects.create(
            ticket=ticket,
            direction=Message.Direction.IN,
            kind=message.kind if message.kind in Message.Kind.values else Message.Kind.UNSUPPORTED,
            channel=message.channel,
            account=account,
            provider=message.provider,
            provider_message_id=message.provider_message_id,
            body=message.text or "",
            status=Message.Status.RECEIVED,
            meta={**message.meta, "event_id": event.pk} if event is not None else message.meta,
            created_at=message.timestamp,
        )
        _store_attachments(stored, message)
        message_numbers_index(
            message=stored,
            attachment_names=[a.filename for a in message.attachments],
            contact_names=[contact.name, message.sender.display_name or ""],
        )
        result = IngestResult(stored, ticket, contact, created=True, ticket_created=ticket_created)
        for task_path in settings.CURHAT_AFTER_INGEST_TASKS:
            # Publishing costs a broker round trip: only enqueue work that has something to do.
            when = settings.CURHAT_AFTER_INGEST_WHEN.get(task_path, "always")
            if INGEST_TASK_CONDITIONS[when](result, message):
                transaction.on_commit(partial(_enqueue, task_path, stored.pk))
    return result


# When an after-ingest task (settings.CURHAT_AFTER_INGEST_WHEN) is worth enqueueing.
INGEST_TASK_CONDITIONS = {
    "always": lambda result, message: True,
    "new_ticket": lambda result, message: result.ticket_created,
    "remote_attachments": lambda result, message: any(a.content is None for a in message.attachments),
}


def _enqueue(task_path: str, message_id: int) -> None:
    try:
        import_string(task_path).delay(message_id)
    except Exception:  # a broker outage delays follow-up work; the message itself is safe
        logger.exception("could not enqueue %s for message %s", task_path, message_id)


def _existing(message: InboundMessage) -> Message | None:
    if not message.provider_message_id:
        return None
    return (
        Message.objects.select_related("ticket", "ticket__contact")
        .filter(provider=message.provider, provider_message_id=message.provider_message_id)
        .first()
    )


def ticket_ingest(
    *, message: InboundMessage, account=None, event=None, new_ticket: bool = False
) -> IngestResult:
    """Store a citizen's message: find or create the contact, continue or open a ticket, store the
    message and its attachments, all in one transaction.

    Idempotent: a message whose (provider, provider message id) we already hold is returned as it
    is (``created=False``), also when two deliveries race (the unique constraint decides).
    Raises ``ValidationError`` (and stores nothing) for input that cannot be a message.
    ``new_ticket`` opens a new consultation whatever the contact's recent tickets (a web-form
    submission is a new question by construction).
    """
    message = _without_nul(message)
    kind, value = _validate(message)
    # No lookup first: redeliveries are rare, and the unique constraint on (provider, provider message
    # id) finds them at the message INSERT, whose savepoint undoes the rest.
    for attempt in range(3):
        try:
            return _ingest_once(message, kind, value, account, event, new_ticket)
        except IntegrityError:
            # A concurrent delivery of the same message, or of the same new contact, committed
            # first. Its rows are visible now: look again.
            existing = _existing(message)
            if existing is not None:
                return IngestResult(
                    existing, existing.ticket, existing.ticket.contact, created=False, ticket_created=False
                )
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
