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
from tickets.privacy.nik import find_numbers, is_valid_nik, mask_number, number_digest
from tickets.privacy.rekey import key_record_first_hash

ERASED_TEXT = "[dihapus]"


# --- NIK/KK index ---------------------------------------------------------------------------------------


def message_numbers_index(*, message, attachment_names: list[str] | None = None) -> list[NumberMention]:
    """Index the NIK/KK numbers of a message (and of its attachments' names, read from the message's
    attachments unless the caller already has them)."""
    if attachment_names is None:
        attachment_names = [a.original_name for a in message.attachments.all()]
    names = " | ".join(attachment_names)
    found = {
        (n.kind, n.value) for n in find_numbers(f"{message.body}\n|\n{names}")
    }  # "|": no number runs across
    mentions = [
        NumberMention(
            ticket_id=message.ticket_id,
            message=message,
            kind=kind,
            digest=number_digest(value),
            masked=mask_number(value),
        )
        for kind, value in sorted(found)
    ]
    if mentions:
        key_record_first_hash()  # which key made the hashes (check tickets.E013)
        NumberMention.objects.bulk_create(mentions, ignore_conflicts=True)
    return mentions


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


def _erasure_scope(*, reason: str, tickets: list, contacts: list) -> ErasureScope:
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


@transaction.atomic
def subject_erase(*, contacts: list, actor, request=None) -> int:
    """Erase a citizen's data on request: every ticket's content, their names and identities. The
    tickets themselves stay (anonymous) so the office's monthly counts do not change. Audit-logged."""
    tickets = list(Ticket.objects.filter(contact__in=contacts, anonymized_at__isnull=True))
    scope = _erasure_scope(reason="request", tickets=tickets, contacts=contacts)
    personal_data_erased.send(sender="subject_erase", scope=scope)
    for ticket in tickets:
        _erase_ticket_content(ticket)
    for contact in contacts:
        _erase_contact_if_unused(contact)
    audit_record(
        action=AuditEvent.Action.SUBJECT_ERASE,
        actor=actor,
        request=request,
        detail={"contacts": [c.pk for c in contacts], "tickets": [t.reference for t in tickets]},
    )
    return len(tickets)
