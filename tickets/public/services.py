"""Writes behind the public pages: a question from the website form, and a citizen's follow-up on
the tracking page. Both go through ``ticket_ingest`` like every other channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tickets import accounts
from tickets.inbound import InboundAttachment, InboundMessage, Sender
from tickets.ingest import IngestResult, ticket_ingest
from tickets.models import Channel, ContactIdentity, Ticket, Topic

PROVIDER = "website"


@dataclass(frozen=True)
class WebsiteSubmission:
    result: IngestResult
    # True when this submission opened the ticket: only then may the page show its tracking link
    # (a stranger typing someone's number must not see that person's running consultation).
    opened_ticket: bool


def _attachments(files: Sequence) -> tuple[InboundAttachment, ...]:
    return tuple(
        InboundAttachment(filename=item.name, content_type=item.content_type, content=item.content)
        for item in files
    )


def _website_account():
    return accounts.active_account(providers=(PROVIDER,))


def contact_identity_add(*, contact, kind: str, value: str) -> ContactIdentity | None:
    """Record another address of the contact, unless it already belongs to someone (operators
    merge contacts; a form must not move an identity between people)."""
    identity, _created = ContactIdentity.objects.get_or_create(
        kind=kind, value=value, defaults={"contact": contact}
    )
    return identity if identity.contact_id == contact.pk else None


def website_question_submit(
    *,
    submission_id: str,
    name: str,
    phone: str,
    email: str,
    topic: Topic | None,
    text: str,
    files: Sequence = (),
) -> WebsiteSubmission:
    """A question from the public form. The sender is the phone (WhatsApp reaches it) or else the
    e-mail; the other one becomes a second identity of the same contact. Idempotent per
    ``submission_id`` (the form's hidden id): a resent form stores nothing new."""
    sender = (
        Sender(kind="phone", value=phone, display_name=name)
        if phone
        else Sender(kind="email", value=email, display_name=name)
    )
    message = InboundMessage(
        channel=Channel.WEBSITE,
        provider=PROVIDER,
        provider_message_id=f"web:{submission_id}",
        sender=sender,
        timestamp=timezone.now(),
        text=text,
        subject=(topic.name if topic else "")[:255],
        attachments=_attachments(files),
        meta={"website": {"topic": topic.code if topic else ""}},
    )
    with transaction.atomic():
        result = ticket_ingest(message=message, account=_website_account(), new_ticket=True)
        if phone and email:
            contact_identity_add(contact=result.contact, kind=ContactIdentity.Kind.EMAIL, value=email)
        if result.ticket_created and topic is not None:
            Ticket.objects.filter(pk=result.ticket.pk).update(topic=topic, department=topic.department)
            result.ticket.topic, result.ticket.department_id = topic, topic.department_id
    opened = result.ticket_created or (
        not result.created
        and result.message.ticket.messages.order_by("created_at", "id").first() == result.message
    )
    # A resent form is the same submission only for the same person.
    if (
        not result.created
        and not result.contact.identities.filter(kind=sender.kind, value=phone or email).exists()
    ):
        opened = False
    return WebsiteSubmission(result=result, opened_ticket=opened)


def _ticket_sender(ticket: Ticket) -> Sender:
    """Who the citizen is on the tracking page: the ticket's contact, by its own identity."""
    identities = {identity.kind: identity for identity in ticket.contact.identities.all()}
    for kind in (
        ContactIdentity.Kind.PHONE,
        ContactIdentity.Kind.EMAIL,
        ContactIdentity.Kind.FACEBOOK_PSID,
        ContactIdentity.Kind.WHATSAPP_USER,
    ):
        if kind in identities:
            return Sender(kind=kind, value=identities[kind].value, display_name=ticket.contact.name)
    raise ValueError(f"contact of {ticket.reference} has no identity")


def tracking_can_reply(ticket: Ticket) -> bool:
    return ticket.status in Ticket.CONTINUABLE_STATUSES and ticket.merged_into_id is None


def tracking_reply_submit(
    *, ticket: Ticket, submission_id: str, text: str, files: Sequence = ()
) -> IngestResult:
    """The citizen adds a message to their ticket from the tracking page (threaded as a reply to
    the ticket's own messages, so it lands in this ticket however old it is)."""
    if not tracking_can_reply(ticket):
        raise ValueError("ticket is closed")
    replied = tuple(
        ticket.messages.exclude(provider_message_id="")
        .exclude(direction="note")
        .order_by("-created_at", "-id")
        .values_list("provider_message_id", flat=True)[:5]
    )
    message = InboundMessage(
        channel=Channel.WEBSITE,
        provider=PROVIDER,
        provider_message_id=f"web:{submission_id}",
        sender=_ticket_sender(ticket),
        timestamp=timezone.now(),
        text=text,
        attachments=_attachments(files),
        reply_to_ids=replied,
        ticket_reference=ticket.reference,
        meta={"website": {"via": "tracking"}},
    )
    return ticket_ingest(message=message, account=_website_account())


def tracking_lookup(*, reference: str, identities: Sequence[str]) -> Ticket | None:
    """The ticket with this reference whose citizen wrote from one of these (normalized) phone
    numbers or e-mail addresses; None for every other case alike (which part was wrong is not
    told). A merged ticket leads to the ticket it was merged into."""
    if not reference or not identities:
        return None
    ticket = (
        Ticket.objects.select_related("merged_into")
        .filter(reference=reference, contact__identities__value__in=list(identities))
        .first()
    )
    if ticket is not None and ticket.merged_into is not None:
        return ticket.merged_into
    return ticket
