"""The first reply to a new ticket: topic detection, routing, and the auto-acknowledgement.

Runs once per ticket, on its first inbound message (an after-ingest task, tickets/knowledge/tasks.py):

1. the classifier reads the message (and the e-mail subject or form subject);
2. at or above ``CURHAT_TOPIC_CONFIDENCE_THRESHOLD`` the ticket's topic and department are set (unless
   an operator already set them); below it the suggestion is only stored for the operator
   (:class:`~tickets.models.TopicSuggestion`);
3. the auto-acknowledgement goes out through the outbound relay (``tickets.relay.outbox``): the ticket
   reference, the tracking link for website tickets, and the checklist when the topic was detected
   confidently. Outside office hours (WITA, working days and public holidays of the office
   calendar, tickets.workcalendar) a different configurable text is used. The 24-hour WhatsApp/Messenger rules are the
   relay's: outside the window its senders fall back to the approved template.

Idempotent: the suggestion row (one per ticket, created under the ticket's row lock) records the
acknowledgement, so a redelivered or retried task sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tickets.identities import name_without_bidi
from tickets.knowledge.classifier import message_classify
from tickets.knowledge.entries import (
    entry_public_url,
    entry_render_for_channel,
    entry_render_whatsapp,
    knowledge_entries,
    knowledge_entry_for,
    knowledge_index_url,
)
from tickets.models import Channel, KnowledgeEntry, Message, Ticket, Topic, TopicSuggestion
from tickets.relay import senders
from tickets.relay.outbox import message_reply_create
from tickets.workcalendar import office_calendar

logger = logging.getLogger(__name__)

WEEKDAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def office_hours_label() -> str:
    """``Senin–Jumat 08.00–16.00 WITA`` from the office calendar's settings."""
    days = sorted(settings.CURHAT_WORK_WEEKDAYS)
    span = WEEKDAY_NAMES[days[0]]
    if len(days) > 1:
        span += "–" + WEEKDAY_NAMES[days[-1]]
    start = settings.CURHAT_WORK_DAY_START.replace(":", ".")
    end = settings.CURHAT_WORK_DAY_END.replace(":", ".")
    return f"{span} {start}–{end} WITA"


def within_office_hours(moment: dt.datetime) -> bool:
    """Whether the office is staffed at ``moment`` (WITA working day, between start and end)."""
    # The office calendar the metrics and the escalation due dates use: "office hours" mean one thing.
    return office_calendar().is_working_time(moment)


def tracking_url(ticket: Ticket) -> str:
    """The public status page of a website ticket (/lacak/<token>/)."""
    try:
        path = reverse("public:track", kwargs={"token": ticket.tracking_token})
    except NoReverseMatch:  # public pages not mounted in this URLconf
        path = f"/lacak/{ticket.tracking_token}/"
    return settings.PUBLIC_BASE_URL + path


def autoack_body(
    *, ticket: Ticket, at: dt.datetime, topic: Topic | None, entry: KnowledgeEntry | None
) -> str:
    """The acknowledgement text for a ticket (see the module doc)."""
    template = (
        settings.CURHAT_AUTOACK_TEXT if within_office_hours(at) else settings.CURHAT_AUTOACK_AFTER_HOURS_TEXT
    )
    values = {
        "kantor": settings.CURHAT_OFFICE_NAME,
        "nomor_tiket": ticket.reference,
        "nama": name_without_bidi(ticket.contact.name) or "Bapak/Ibu",
        "jam_layanan": office_hours_label(),
    }
    parts = [template.format_map(_Defaulting(values)).strip()]
    if ticket.channel == Channel.WEBSITE:
        parts.append(f"Pantau status pertanyaan Anda di:\n{tracking_url(ticket)}")
    if entry is not None:
        parts.append("Sambil menunggu, berikut persyaratan yang biasanya diperlukan:")
        parts.append(entry_render_for_channel(entry, ticket.channel))
        limit = senders.text_limit(ticket.channel)
        if len("\n\n".join(parts)) > limit:
            # An admin's long entry must not make the provider refuse the whole acknowledgement:
            # send the checklist without the notes, or only the link.
            parts[-1] = entry_render_whatsapp(entry, with_notes=False)
            if len("\n\n".join(parts)) > limit:
                parts[-2:] = [f"Persyaratan {entry.title}:\n{entry_public_url(entry)}"]
    elif topic is not None and (options := list(knowledge_entries().filter(topic=topic))):
        listing = "\n".join(f"- {option.title}: {entry_public_url(option)}" for option in options)
        parts.append(f"Persyaratan {topic.name} tergantung keperluannya:\n{listing}")
    else:
        parts.append(f"Sebelum datang, cek persyaratan layanan di:\n{knowledge_index_url()}")
    return "\n\n".join(parts)


class _Defaulting(dict):
    """``str.format_map`` that leaves an unknown placeholder as written (an admin's typo)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _first_inbound_id(ticket: Ticket) -> int | None:
    return (
        Message.objects.filter(ticket=ticket, direction=Message.Direction.IN)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
        .first()
    )


def _already_answered(ticket: Ticket) -> bool:
    """An operator replied before this task ran (a backlog): an acknowledgement would be noise."""
    return Message.objects.filter(
        ticket=ticket, direction=Message.Direction.OUT, author__isnull=False
    ).exists()


def ticket_autoack(*, message_id: int, now: dt.datetime | None = None) -> str:
    """Classify a new ticket's first message, route it, and acknowledge it. Returns what it did:
    ``acknowledged``, ``classified`` (no acknowledgement on this channel or disabled), ``skipped``."""
    message = (
        Message.objects.filter(pk=message_id, direction=Message.Direction.IN).select_related("ticket").first()
    )
    if message is None or _first_inbound_id(message.ticket) != message.pk:
        return "skipped"  # not a ticket's opening message: continuing messages are not re-acknowledged
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("contact", "topic")
            .get(pk=message.ticket_id)
        )
        if TopicSuggestion.objects.filter(ticket=ticket).exists() or ticket.merged_into_id:
            return "skipped"
        result = message_classify(text=f"{ticket.subject}\n{message.body}")
        topic = (
            Topic.objects.select_related("department").filter(code=result.topic).first()
            if result.topic
            else None
        )
        confident = topic is not None and result.is_confident()
        entry = knowledge_entry_for(topic=topic, slug=result.entry) if confident else None
        applied = False
        if confident and topic is not None and ticket.topic_id is None:
            ticket.topic = topic
            fields = ["topic", "updated_at"]
            if ticket.department_id is None and topic.department_id is not None:
                ticket.department = topic.department
                fields.append("department")
            ticket.save(update_fields=fields)
            applied = True
        suggestion = TopicSuggestion.objects.create(
            ticket=ticket,
            message=message,
            topic=topic,
            entry=knowledge_entry_for(topic=topic, slug=result.entry) if topic else None,
            confidence=result.confidence,
            scores=result.scores,
            matched=result.matched,
            applied=applied,
        )
        if not settings.CURHAT_AUTOACK_ENABLED or ticket.channel not in settings.CURHAT_AUTOACK_CHANNELS:
            return "classified"
        if _already_answered(ticket):
            return "classified"
        ack_topic = topic if confident else None
        if ack_topic is None and ticket.topic_id is not None:
            # The citizen chose a topic on the form (or an operator set one) and the text says
            # nothing clearer: answer for that topic.
            ack_topic = ticket.topic
            entry = knowledge_entry_for(topic=ack_topic)
        body = autoack_body(ticket=ticket, at=now or timezone.now(), topic=ack_topic, entry=entry)
        ack = message_reply_create(
            ticket=ticket,
            author=None,
            body=body,
            meta={"autoack": True, "knowledge_entry": entry.slug if entry else ""},
        )
        suggestion.ack_message = ack
        suggestion.save(update_fields=["ack_message"])
    logger.info(
        "ticket %s acknowledged (topic %s, confidence %.2f)",
        ticket.reference,
        result.topic,
        result.confidence,
    )
    return "acknowledged"


def tickets_awaiting_autoack(*, older_than_seconds: int, limit: int, window_days: int = 3) -> list[int]:
    """First inbound messages of recent tickets that have no topic suggestion yet (the record that
    the first-reply work ran): that work was lost and must be done. Recent only: a ticket older than
    ``window_days`` is being handled by a person, an acknowledgement now would be noise."""
    now = timezone.now()
    tickets = (
        Ticket.objects.filter(
            created_at__gte=now - dt.timedelta(days=window_days),
            created_at__lte=now - dt.timedelta(seconds=older_than_seconds),
            merged_into__isnull=True,
            topic_suggestion__isnull=True,
        )
        # Calls are recorded, not acknowledged (ticket_autoack runs after ticket_ingest only).
        .filter(
            Exists(
                Message.objects.filter(ticket=OuterRef("pk"), direction=Message.Direction.IN).exclude(
                    kind=Message.Kind.CALL
                )
            )
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    first_messages = []
    for ticket_id in tickets:
        first = (
            Message.objects.filter(ticket_id=ticket_id, direction=Message.Direction.IN)
            .order_by("created_at", "id")
            .values_list("pk", "kind")
            .first()
        )
        if first is not None and first[1] != Message.Kind.CALL:
            first_messages.append(first[0])
    return first_messages
