"""The NIK/KK index: which numbers a message names (its text, its attachments' names, the names the
citizen goes by), stored as keyed hashes (tickets.privacy.nik), and the record of the key that made them
(``NikHashKeyRecord``, compared by the system check tickets.E014 in tickets.privacy.keycheck).

Its own module so that the data-subject tool (tickets.privacy.subjects), ingest and the re-keying
command (tickets.privacy.rekey) share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from tickets.models import Message, NikHashKeyRecord, NumberMention
from tickets.privacy.nik import find_numbers, key_fingerprint, mask_number, number_digest


def indexed_text(*, body: str, attachment_names: Iterable[str], contact_names: Iterable[str] = ()) -> str:
    """What the NIK/KK index reads of a message: its text, its attachments' names and the names the
    citizen goes by (a WhatsApp profile named "Andi 7372014507900001"), "|" between them so no number
    runs across two of them."""
    return "\n|\n".join([body or "", " | ".join(attachment_names), " | ".join(n for n in contact_names if n)])


def message_numbers_index(
    *, message, attachment_names: list[str] | None = None, contact_names: Iterable[str] | None = None
) -> list[NumberMention]:
    """Index the NIK/KK numbers of a message (and of its attachments' names, read from the message's
    attachments unless the caller already has them, and of the contact's name for a citizen's message)."""
    if attachment_names is None:
        attachment_names = [a.original_name for a in message.attachments.all()]
    if contact_names is None:
        contact_names = [message.ticket.contact.name] if message.direction == Message.Direction.IN else []
    text = indexed_text(body=message.body, attachment_names=attachment_names, contact_names=contact_names)
    found = {(n.kind, n.value) for n in find_numbers(text)}
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
        key_record_first_hash()  # which key made the hashes (check tickets.E014)
        NumberMention.objects.bulk_create(mentions, ignore_conflicts=True)
    return mentions


def key_record(key: str) -> None:
    """Record ``key`` as the one the stored hashes are under (after nik_rehash)."""
    NikHashKeyRecord.objects.update_or_create(pk=1, defaults={"fingerprint": key_fingerprint(key)})


def key_record_first_hash() -> None:
    """Before the first hash is stored: record the current key. Not when hashes exist without a
    record (an upgrade from a release before it): which key made those is the check's question."""
    if not NikHashKeyRecord.objects.exists() and not NumberMention.objects.exists():
        NikHashKeyRecord.objects.get_or_create(
            pk=1, defaults={"fingerprint": key_fingerprint(settings.CURHAT_NIK_HASH_KEY)}
        )
