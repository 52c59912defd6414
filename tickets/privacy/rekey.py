"""Moving the NIK/KK index to a new hash key (``manage.py nik_rehash``).

The index keeps keyed hashes only, so a hash cannot be turned into the next key's hash by itself: each
indexed message is read again, its numbers found (tickets.privacy.nik) and hashed with the old key to
recognise the stored rows, then with the new key. A stored hash that no number of its message explains
under the old key proves the old key wrong: nothing is changed. Numbers found now that were missed when
the message was indexed (a separator the finder did not know then) are indexed as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from tickets.models import Message, NikHashKeyRecord, NumberMention
from tickets.privacy.nik import find_numbers, key_fingerprint, mask_number, number_digest
from tickets.privacy.numberindex import indexed_text, key_record

# How many stored hashes the key check reads when no fingerprint was recorded (a release before it).
KEY_CHECK_SAMPLE = 20


class WrongOldKey(Exception):
    """The old key explains none of the stored hashes it was checked against."""

    def __init__(self, unexplained: int) -> None:
        super().__init__(f"the old key explains none of the {unexplained} stored hashes")
        self.unexplained = unexplained


@dataclass
class RehashResult:
    rehashed: int = 0  # stored rows moved to the new key
    already: int = 0  # rows already under the new key (a second run changes nothing)
    unexplained: int = 0  # rows no number of their message explains (left as they are)
    added: int = 0  # numbers newly found in indexed or unindexed messages


def _message_numbers(message: Message) -> set[tuple[str, str]]:
    names = [message.ticket.contact.name] if message.direction == Message.Direction.IN else []
    text = indexed_text(
        body=message.body,
        attachment_names=[a.original_name for a in message.attachments.all()],
        contact_names=names,
    )
    return {(n.kind, n.value) for n in find_numbers(text)}


def nik_rehash(*, old_key: str, new_key: str, dry_run: bool = False) -> RehashResult:
    """Recompute every stored NIK/KK hash from ``old_key`` to ``new_key``; raises WrongOldKey (and
    changes nothing) when rows exist and the old key explains none of them."""
    result = RehashResult()
    with transaction.atomic():
        messages = (
            Message.objects.exclude(ticket__anonymized_at__isnull=False)
            .prefetch_related("attachments", "number_mentions")
            .select_related("ticket__contact")
        )
        for message in messages.iterator(chunk_size=500):
            numbers = _message_numbers(message)
            old = {number_digest(value, key=old_key): (kind, value) for kind, value in numbers}
            new = {number_digest(value, key=new_key): (kind, value) for kind, value in numbers}
            stored = list(message.number_mentions.all())
            for mention in stored:
                if mention.digest in new:
                    result.already += 1
                elif mention.digest in old:
                    mention.digest = number_digest(old[mention.digest][1], key=new_key)
                    if not dry_run:
                        mention.save(update_fields=["digest"])
                    result.rehashed += 1
                else:
                    result.unexplained += 1
            have = {m.digest for m in stored} | {
                number_digest(old[m.digest][1], key=new_key) for m in stored if m.digest in old
            }
            missing = [
                NumberMention(
                    ticket_id=message.ticket_id,
                    message=message,
                    kind=kind,
                    digest=digest,
                    masked=mask_number(value),
                )
                for digest, (kind, value) in sorted(new.items())
                if digest not in have
            ]
            result.added += len(missing)
            if missing and not dry_run:
                NumberMention.objects.bulk_create(missing, ignore_conflicts=True)
        if result.unexplained and not (result.rehashed or result.already):
            transaction.set_rollback(True)
            raise WrongOldKey(result.unexplained)
        if dry_run:
            transaction.set_rollback(True)
        else:
            key_record(new_key)
    return result


# --- Which key made the stored hashes (system check tickets.E014) -----------------------------------


def stored_key_state() -> str:
    """Either "ok" (the stored hashes are under CURHAT_NIK_HASH_KEY, or there are none), "secret_key" (under
    SECRET_KEY: hashed by a release before the NIK key) or "other" (under a key we do not have)."""
    key = settings.CURHAT_NIK_HASH_KEY
    record = NikHashKeyRecord.objects.filter(pk=1).first()
    if record is not None:
        if record.fingerprint == key_fingerprint(key):
            return "ok"
        return "secret_key" if record.fingerprint == key_fingerprint(settings.SECRET_KEY) else "other"
    sample = list(
        NumberMention.objects.select_related("message")
        .prefetch_related("message__attachments")
        .order_by("-pk")[:KEY_CHECK_SAMPLE]
    )
    if not sample:
        return "ok"
    under_secret_key = False
    for mention in sample:
        values = [value for _kind, value in _message_numbers(mention.message)]
        if mention.digest in {number_digest(value, key=key) for value in values}:
            return "ok"
        under_secret_key = under_secret_key or mention.digest in {
            number_digest(value, key=settings.SECRET_KEY) for value in values
        }
    return "secret_key" if under_secret_key else "other"
