"""Personal-data protection (UU PDP): where NIK/KK numbers are mentioned, how long conversations are
kept, and the data subject's rights to a copy of their data and to its erasure.

* ``NumberMention`` (a model in tickets.models) indexes every NIK/KK number found in a message by a
  keyed hash, so tickets of the same person can be linked without an index of the numbers themselves.
* ``RetentionPolicy`` (likewise) says how long a closed ticket's content is kept, per channel and/or topic; a beat
  task anonymizes what has expired (names, identities, bodies, attachments) and keeps what the monthly
  tally needs (the ticket row: when, channel, topic, department, status).
* ``subject_export`` and ``subject_erase`` act on everything held about one citizen, found by phone,
  e-mail or NIK. Every one of these acts is audit-logged.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.identities import normalize_email, normalize_phone
from tickets.models import (
    Attachment,
    AuditEvent,
    Contact,
    ContactIdentity,
    DeliveryAttempt,
    Message,
    NumberMention,
    RetentionPolicy,
    Ticket,
)
from tickets.privacy.archive import safe_entry_name
from tickets.privacy.audit import audit_record
from tickets.privacy.erasure import ErasureScope, personal_data_erased, retention_swept
from tickets.privacy.nik import (
    KIND_NIK,
    find_numbers,
    is_valid_nik,
    national_number,
    number_digest,
    redact_mentions,
)
from tickets.privacy.numberindex import indexed_text

ERASED_TEXT = "[dihapus]"


# --- NIK/KK index (tickets.privacy.numberindex) -----------------------------------------------------


def tickets_sharing_numbers(*, ticket) -> models.QuerySet:
    """Other tickets that mention a NIK/KK number this ticket mentions."""
    digests = NumberMention.objects.filter(ticket=ticket).values("digest")
    return (
        Ticket.objects.filter(number_mentions__digest__in=digests)
        .exclude(pk=ticket.pk)
        .distinct()
        .order_by("-created_at")
    )


# --- retention ------------------------------------------------------------------------------------------


def retention_days(*, channel: str, topic_id: int | None) -> int:
    """The retention period of a ticket: channel+topic, then topic, then channel, then the default."""
    policies = {(p.channel, p.topic_id): p.days for p in RetentionPolicy.objects.all()}
    keys = [(channel, topic_id), ("", topic_id)] if topic_id is not None else []
    for key in [*keys, (channel, None), ("", None)]:
        if key in policies:
            return policies[key]
    return settings.CURHAT_RETENTION_DAYS


def _erasure_scope(
    *, reason: str, tickets: list, contacts: list, niks: list[str] | None = None
) -> ErasureScope:
    """What other apps need to find their copies (tickets.privacy.erasure); read before blanking."""
    identities = ContactIdentity.objects.filter(contact__in=contacts).values_list("kind", "value")
    message_ids = Message.objects.filter(ticket__in=tickets).exclude(provider_message_id="")
    attempt_ids = DeliveryAttempt.objects.filter(message__ticket__in=tickets).exclude(provider_message_id="")
    return ErasureScope(
        reason=reason,
        ticket_ids=[t.pk for t in tickets],
        identities=sorted(set(identities)),
        provider_message_ids=sorted(
            set(message_ids.values_list("provider_message_id", flat=True))
            | set(attempt_ids.values_list("provider_message_id", flat=True))
        ),
        since=min([t.created_at for t in tickets] + [c.created_at for c in contacts], default=None),
        niks=niks or [],
    )


def _erase_ticket_content(ticket) -> None:
    """Blank what identifies or describes the citizen in one ticket; keep what the tally counts (the
    ticket row: reference, channel, times, topic, department, status). Other apps' copies (raw events,
    escalations) go through ``personal_data_erased``, sent by the callers before this."""
    for attachment in Attachment.objects.filter(message__ticket=ticket):
        if attachment.file:
            attachment.file.delete(save=False)
    Attachment.objects.filter(message__ticket=ticket).update(
        file="", original_name="", source_url="", provider_media_id="", sha256="", download_error=""
    )
    # The PostgreSQL search vector (body_search) is generated from body: it follows.
    Message.objects.filter(ticket=ticket).update(
        body=ERASED_TEXT, meta={}, error_text="", provider_message_id=""
    )
    DeliveryAttempt.objects.filter(message__ticket=ticket).update(error_text="", provider_message_id="")
    NumberMention.objects.filter(ticket=ticket).delete()
    ticket.subject = ""
    ticket.anonymized_at = timezone.now()
    ticket.save(update_fields=["subject", "anonymized_at", "updated_at"])


def _erase_contact_if_unused(contact) -> bool:
    """Remove a contact's name and identities once none of their tickets keeps content; and so of every
    contact merged into it (a merge moves tickets and identities to the survivor, the merged contact
    stays as a pointer that still holds its name)."""
    if contact.tickets.filter(anonymized_at__isnull=True).exists():
        return False
    for merged in Contact.objects.filter(merged_into=contact).exclude(pk=contact.pk):
        _erase_contact_if_unused(merged)
    contact.identities.all().delete()
    contact.name = ""
    contact.save(update_fields=["name", "updated_at"])
    # The admin's history names a contact by its name (str(contact)) and lists changed values.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id=str(contact.pk)
    ).update(object_repr=str(contact), change_message="")
    return True


def retention_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Anonymize finished (resolved or closed) tickets whose retention period, counted from their last
    activity, has passed. Beat task body; returns how many tickets it anonymized."""
    now = now or timezone.now()
    shortest = min([settings.CURHAT_RETENTION_DAYS, *RetentionPolicy.objects.values_list("days", flat=True)])
    candidates = (
        Ticket.objects.filter(
            status__in=(Ticket.Status.RESOLVED, Ticket.Status.CLOSED),
            anonymized_at__isnull=True,
            last_activity_at__lte=now - dt.timedelta(days=shortest),
        )
        .select_related("contact")
        .order_by("last_activity_at")[:limit]
    )
    done = 0
    for ticket in candidates:
        keep = dt.timedelta(days=retention_days(channel=ticket.channel, topic_id=ticket.topic_id))
        if ticket.last_activity_at > now - keep:
            continue
        with transaction.atomic():
            last = (
                not ticket.contact.tickets.filter(anonymized_at__isnull=True).exclude(pk=ticket.pk).exists()
            )
            scope = _erasure_scope(
                reason="retention", tickets=[ticket], contacts=[ticket.contact] if last else []
            )
            personal_data_erased.send(sender="retention_sweep", scope=scope)
            _erase_ticket_content(ticket)
            _erase_contact_if_unused(ticket.contact)
            audit_record(
                action=AuditEvent.Action.RETENTION,
                ticket=ticket,
                detail={"last_activity_at": ticket.last_activity_at.isoformat(), "days": keep.days},
            )
        done += 1
    retention_swept.send(sender="retention_sweep", now=now)
    return done


# --- data subject rights ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectQuery:
    phone: str = ""
    email: str = ""
    nik: str = ""


def subject_contacts(*, query: SubjectQuery) -> list:
    """Contacts held about a citizen, found by phone, e-mail or NIK (merged contacts included)."""
    identity_filters = Q(pk__in=[])
    if query.phone:
        identity_filters |= Q(kind=ContactIdentity.Kind.PHONE, value=normalize_phone(query.phone))
    if query.email:
        identity_filters |= Q(kind=ContactIdentity.Kind.EMAIL, value=normalize_email(query.email))
    contact_ids = set(ContactIdentity.objects.filter(identity_filters).values_list("contact_id", flat=True))
    if query.nik:
        if not is_valid_nik(query.nik):
            raise ValidationError(_("NIK tidak valid."), code="nik_invalid")
        digest = number_digest("".join(ch for ch in query.nik if ch.isdigit()))
        contact_ids |= set(
            NumberMention.objects.filter(digest=digest).values_list("ticket__contact_id", flat=True)
        )
    if not (query.phone or query.email or query.nik):
        raise ValidationError(_("Isi nomor telepon, email atau NIK."), code="query_empty")
    merged = set(Contact.objects.filter(merged_into_id__in=contact_ids).values_list("pk", flat=True))
    return list(
        Contact.objects.filter(pk__in=contact_ids | merged).prefetch_related("identities").order_by("pk")
    )


def _subject_data(contacts: Iterable) -> tuple[dict, list]:
    contacts = list(contacts)
    tickets = (
        Ticket.objects.filter(contact__in=contacts)
        .select_related("topic", "department")
        .order_by("created_at")
    )
    messages = Message.objects.filter(ticket__in=tickets).order_by("created_at", "pk")
    attachments = list(Attachment.objects.filter(message__in=messages).exclude(file=""))
    data = {
        "exported_at": timezone.now().isoformat(),
        "office": settings.CURHAT_OFFICE_NAME,
        "contacts": [
            {
                "id": c.pk,
                "name": c.name,
                "created_at": c.created_at.isoformat(),
                "identities": [{"kind": i.kind, "value": i.value} for i in c.identities.all()],
            }
            for c in contacts
        ],
        "tickets": [
            {
                "reference": t.reference,
                "channel": t.channel,
                "status": t.status,
                "created_at": t.created_at.isoformat(),
                "topic": t.topic.name if t.topic else "",
                "department": t.department.name if t.department else "",
                "messages": [
                    {
                        "direction": m.direction,
                        "created_at": m.created_at.isoformat(),
                        "body": m.body,
                        "status": m.status,
                        "attachments": [a.pk for a in attachments if a.message_id == m.pk],
                    }
                    for m in messages
                    if m.ticket_id == t.pk and m.direction != Message.Direction.NOTE
                ],
            }
            for t in tickets
        ],
    }
    return data, attachments


def subject_export(*, contacts: list, actor, request=None) -> bytes:
    """A ZIP with everything held about the citizen: data.json plus their attachments. Internal notes
    are staff's working notes and are not part of it. Audit-logged."""
    data, attachments = _subject_data(contacts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for attachment in attachments:
            with attachment.file.open("rb") as handle:
                archive.writestr(
                    f"lampiran/{attachment.pk}-{safe_entry_name(attachment.original_name)}", handle.read()
                )
    audit_record(
        action=AuditEvent.Action.SUBJECT_EXPORT,
        actor=actor,
        request=request,
        detail={"contacts": [c.pk for c in contacts], "tickets": [t["reference"] for t in data["tickets"]]},
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class Mentions:
    """What names the citizen in someone else's text: the NIKs their own tickets wrote (KK numbers
    are a family's, shared), their phone numbers (national form) and e-mail addresses."""

    niks: frozenset[str]
    phones: frozenset[str]
    emails: frozenset[str]


def _subject_mentions(*, contacts: list, tickets: list) -> Mentions:
    identities = ContactIdentity.objects.filter(contact__in=contacts).values_list("kind", "value")
    phones = {national_number(v) for k, v in identities if k == ContactIdentity.Kind.PHONE}
    emails = {v.lower() for k, v in identities if k == ContactIdentity.Kind.EMAIL}
    names = [c.name for c in contacts]
    niks: set[str] = set()
    messages = Message.objects.filter(ticket__in=tickets, direction=Message.Direction.IN)
    for message in messages.prefetch_related("attachments"):
        text = indexed_text(
            body=message.body,
            attachment_names=[a.original_name for a in message.attachments.all()],
            contact_names=names,
        )
        niks |= {n.value for n in find_numbers(text) if n.kind == KIND_NIK}
    for ticket in tickets:
        niks |= {n.value for n in find_numbers(ticket.subject) if n.kind == KIND_NIK}
    return Mentions(frozenset(niks), frozenset(p for p in phones if len(p) >= 8), frozenset(emails))


def _tail_written(digits: str) -> str:
    """A database regex for the last four of ``digits`` however grouped ("+62 812-3456-789" splits
    "6789"): what may hold a mention, for :func:`redact_mentions` to read."""
    return "[^0-9]{0,30}".join(digits[-4:])


def _redact_mentions_elsewhere(*, mentions: Mentions, tickets: list) -> int:
    """Other citizens' messages and subjects that name the erased citizen (a brother's message with
    their phone number, an e-mail forwarding their address, their NIK): those mentions are replaced
    by the erased marker; the rest of the text stays (it is the other citizen's). Returns how many
    texts changed."""
    if not (mentions.niks or mentions.phones or mentions.emails):
        return 0
    digests = [number_digest(n) for n in mentions.niks]
    near = Q(pk__in=NumberMention.objects.filter(digest__in=digests).values("message_id"))
    for phone in mentions.phones:
        near |= Q(body__regex=_tail_written(phone))
    for email in mentions.emails:
        near |= Q(body__icontains=email)

    def redacted(text: str) -> str:
        return redact_mentions(
            text,
            niks=set(mentions.niks),
            phones=set(mentions.phones),
            emails=set(mentions.emails),
            marker=ERASED_TEXT,
        )

    changed = 0
    others = Message.objects.exclude(ticket__in=tickets).exclude(body=ERASED_TEXT).filter(near)
    for message in others.only("pk", "body").iterator(chunk_size=500):
        body = redacted(message.body)
        if body != message.body:
            Message.objects.filter(pk=message.pk).update(body=body)
            changed += 1
    near_subject = Q(pk__in=[])
    for phone in mentions.phones:
        near_subject |= Q(subject__regex=_tail_written(phone))
    for email in mentions.emails:
        near_subject |= Q(subject__icontains=email)
    for number in mentions.niks:
        near_subject |= Q(subject__regex=_tail_written(number))
    for ticket in (
        Ticket.objects.exclude(pk__in=[t.pk for t in tickets]).filter(near_subject).only("pk", "subject")
    ):
        subject = redacted(ticket.subject)
        if subject != ticket.subject:
            Ticket.objects.filter(pk=ticket.pk).update(subject=subject[:255])
            changed += 1
    NumberMention.objects.filter(digest__in=digests).delete()  # no text names those numbers any more
    return changed


@transaction.atomic
def subject_erase(*, contacts: list, actor, request=None) -> int:
    """Erase a citizen's data on request: every ticket's content, their names and identities, and the
    mentions of their NIK, phone number and e-mail address in other citizens' messages and subjects
    (raw provider events naming them are deleted by channels). The tickets themselves stay
    (anonymous) so the office's monthly counts do not change. Audit-logged."""
    tickets = list(Ticket.objects.filter(contact__in=contacts, anonymized_at__isnull=True))
    mentions = _subject_mentions(contacts=contacts, tickets=tickets)
    scope = _erasure_scope(reason="request", tickets=tickets, contacts=contacts, niks=sorted(mentions.niks))
    personal_data_erased.send(sender="subject_erase", scope=scope)
    redacted = _redact_mentions_elsewhere(mentions=mentions, tickets=tickets)
    for ticket in tickets:
        _erase_ticket_content(ticket)
    for contact in contacts:
        _erase_contact_if_unused(contact)
    audit_record(
        action=AuditEvent.Action.SUBJECT_ERASE,
        actor=actor,
        request=request,
        detail={
            "contacts": [c.pk for c in contacts],
            "tickets": [t.reference for t in tickets],
            "mentions_redacted": redacted,
        },
    )
    return len(tickets)
