"""Reads for the ticket page: the ticket, its timeline, the contact's identities and other tickets,
what polling the page needs, and the channels a reply can go out on. A page is a fixed number of
queries whatever the timeline's length (tests pin them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from tickets.identities import mask_identity
from tickets.inbox.extensions import TimelineEntry
from tickets.inbox.selectors.reference import active_departments, active_topics, inbox_operators
from tickets.models import Contact, ContactIdentity, Message, Ticket
from tickets.refdata import attach


def _attach_reference_data(tickets: list[Ticket]) -> None:
    """Give tickets their topic, department and assignee from the reference data cache instead of
    joining their tables (each join costs PostgreSQL's planner about half a millisecond)."""
    topics = {topic.pk: topic for topic in active_topics()}
    departments = {department.pk: department for department in active_departments()}
    operators = {user.pk: user for user in inbox_operators()}
    for ticket in tickets:
        attach(ticket, "topic", topics)
        attach(ticket, "department", departments)
        attach(ticket, "assignee", operators)


def ticket_for_page(*, ticket_id: int) -> Ticket:
    # Not "merged_into": rarely set, read only then.
    ticket = Ticket.objects.select_related("contact", "account").get(pk=ticket_id)
    _attach_reference_data([ticket])
    return ticket


# What the timeline shows of a message (tickets.inbox.fragments.message_html): reading only these
# spares decoding provider ids, keys and timestamps nobody looks at, 50 times a page.
TIMELINE_MESSAGE_FIELDS = (
    "ticket_id",
    "direction",
    "kind",
    "channel",
    "body",
    "status",
    "error_code",
    "error_text",
    "meta",
    "created_at",
    "author__first_name",
    "author__last_name",
    "author__username",
)


def ticket_messages(*, ticket: Ticket, after_id: int = 0) -> QuerySet[Message]:
    return (
        Message.objects.filter(ticket=ticket, id__gt=after_id)
        .select_related("author")
        .only(*TIMELINE_MESSAGE_FIELDS)
        # As a plain list: fifty ``.all()`` querysets built from the prefetch cost a millisecond.
        .prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
        .order_by("created_at", "id")
    )


# --- quoted messages (a WhatsApp reply names the message it quotes) -------------------------------
QUOTE_EXCERPT_CHARS = 80


def messages_quotes_attach(messages: list[Message]) -> list[Message]:
    """Give every message that quotes another (``meta["quoted_message_id"]``: Twilio
    OriginalRepliedMessageSid, Meta context.id) ``quoted_excerpt``: the start of the quoted
    message's text when we hold it in the same ticket, else ''. One query, only if any quotes."""
    quoting = [m for m in messages if isinstance(m.meta, dict) and m.meta.get("quoted_message_id")]
    if not quoting:
        return messages
    found = dict(
        Message.objects.filter(
            ticket_id__in={m.ticket_id for m in quoting},
            provider_message_id__in={str(m.meta["quoted_message_id"]) for m in quoting},
        ).values_list("provider_message_id", "body")
    )
    for m in quoting:
        body = " ".join(str(found.get(str(m.meta["quoted_message_id"]), "")).split())
        m.quoted_excerpt = (  # type: ignore[attr-defined]
            body if len(body) <= QUOTE_EXCERPT_CHARS else body[: QUOTE_EXCERPT_CHARS - 1] + "…"
        )
    return messages


def ticket_timeline(*, ticket: Ticket, extra: Iterable[TimelineEntry] = ()) -> list[TimelineEntry]:
    """The whole conversation across channels: messages (in, out, notes, calls) and the ``extra``
    entries the page's sections add (escalations: the question, then the official's answer), in
    time order; at the same moment a message comes first."""
    messages = messages_quotes_attach(list(ticket_messages(ticket=ticket)))
    entries = [TimelineEntry("message", m.created_at, message=m) for m in messages]
    entries += extra
    entries.sort(key=lambda entry: (entry.at, entry.kind != "message"))
    return entries


def contact_identities(*, contact: Contact) -> list[dict[str, Any]]:
    return [
        {
            "kind": identity.kind,
            "label": identity.get_kind_display(),
            "masked": mask_identity(identity.kind, identity.value),
        }
        for identity in contact.identities.order_by("created_at", "id")
    ]


def contact_other_tickets(*, ticket: Ticket, limit: int = 20) -> list[Ticket]:
    others = list(
        Ticket.objects.filter(contact_id=ticket.contact_id)
        .exclude(pk=ticket.pk)
        .order_by("-last_activity_at", "-id")[:limit]
    )
    _attach_reference_data(others)
    return others


def ticket_updates(*, ticket_id: int, after_id: int) -> tuple[list[Message], dict[int, dict[str, str]]]:
    """What polling on the ticket page needs: messages after ``after_id``, and the current state of
    every outbound message (delivery status moves after sending)."""
    new = messages_quotes_attach(list(ticket_messages(ticket=Ticket(pk=ticket_id), after_id=after_id)))
    states = {
        pk: {
            "status": status,
            "label": str(Message.Status(status).label),
            "error": (code + " " + text).strip(),
        }
        for pk, status, code, text in Message.objects.filter(
            ticket_id=ticket_id, direction=Message.Direction.OUT
        ).values_list("id", "status", "error_code", "error_text")
    }
    return new, states


@dataclass
class ReplyChannelOption:
    channel: str
    label: str
    freeform: bool
    default: bool = False
    # senders.WINDOW_*: free text, the approved template instead, or nothing can go (refused).
    state: str = "freeform"
    notes: list[str] = field(default_factory=list)
    limit: int = 4096  # the longest text the channel takes (senders.text_limit)


# Which channel reaches a contact through which identity kind.
IDENTITY_CHANNELS: dict[str, str] = {
    ContactIdentity.Kind.PHONE: "whatsapp",
    ContactIdentity.Kind.WHATSAPP_USER: "whatsapp",
    ContactIdentity.Kind.EMAIL: "email",
    ContactIdentity.Kind.FACEBOOK_PSID: "facebook",
}


def reply_channel_options(*, ticket: Ticket, identity_kinds: list[str]) -> list[ReplyChannelOption]:
    """The channels a reply can go out on (the ticket's own first), each with whether free text may
    be sent now (the WhatsApp/Messenger 24-hour window)."""
    from tickets.models import Channel
    from tickets.relay import senders

    own = senders.reply_channel(ticket.channel)
    channels = [
        own,
        *sorted({IDENTITY_CHANNELS[k] for k in identity_kinds if k in IDENTITY_CHANNELS} - {own}),
    ]
    options = []
    for channel in channels:
        state = senders.window_state(ticket, channel)
        options.append(
            ReplyChannelOption(
                channel=channel,
                label=str(Channel(channel).label) if channel in Channel.values else channel,
                freeform=state == senders.WINDOW_FREEFORM,
                default=channel == own,
                state=state,
                limit=senders.text_limit(channel),
            )
        )
    return options
