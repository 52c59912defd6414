"""Personal-data protection (UU PDP): the audit log, where NIK/KK numbers are mentioned, and how long
conversations are kept. The services over them live in tickets/privacy/ (audit.py, chain.py, subjects.py).

* ``AuditEvent``: every processing activity, append-only (the ORM refuses changes, one by one and by
  queryset; on PostgreSQL a trigger refuses UPDATE and DELETE as well, see tickets.privacy.audit, and
  the app's database role may only INSERT and SELECT). Rows keep the actor's name and the ticket's
  reference as text, so deleting a user or anonymizing a ticket never rewrites history. Tamper-evident
  on every backend: each row carries ``hash`` = sha256(canonical fields + the previous row's hash),
  written under a lock so concurrent writers never fork the chain (``manage.py audit_verify``).
* ``NumberMention``: a NIK/KK number found in a message, as a keyed hash and a masked form only.
* ``RetentionPolicy``: how long a closed ticket's content is kept, per channel and/or topic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .messages import Message
from .tickets import Ticket, Topic

# The chain's start: the first row's prev_hash.
AUDIT_GENESIS_HASH = "0" * 64
# pg_advisory_xact_lock key serializing audit inserts (any fixed number; "audit" in ASCII).
AUDIT_CHAIN_LOCK_KEY = 0x6175646974
# How far ahead of the clock an audit row's time may be (clocks of two app hosts differ a little). A
# row dated further ahead is refused (AuditEvent.save; on PostgreSQL a trigger, tickets.privacy.audit),
# and one that got in anyway is reported by audit_verify: later rows would otherwise take its time.
AUDIT_FUTURE_SKEW = dt.timedelta(minutes=1)
AUDIT_HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "ticket_reference",
    "object_type",
    "object_id",
    "detail",
    "ip_address",
)


def audit_canonical(values: dict[str, Any]) -> bytes:
    """The bytes hashed for one row: its fields (``AUDIT_HASHED_FIELDS``) as sorted-key JSON, the time
    in UTC with microseconds, so the same row read back from SQLite or PostgreSQL gives the same bytes."""
    at = values["at"]
    if timezone.is_naive(at):
        at = timezone.make_aware(at, dt.UTC)
    fields = {name: values[name] for name in AUDIT_HASHED_FIELDS}
    fields["at"] = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields["actor_id"] = None if values["actor_id"] is None else int(values["actor_id"])
    fields["ip_address"] = values["ip_address"] or None
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def audit_hash(values: dict[str, Any], prev_hash: str) -> str:
    return hashlib.sha256(audit_canonical(values) + prev_hash.encode()).hexdigest()


class AuditEventQuerySet(models.QuerySet):
    """Refuses every bulk change: the log only grows, row by row (each row chained to the last)."""

    def delete(self):
        raise PermissionError("the audit log is append-only")

    delete.queryset_only = True  # type: ignore[attr-defined]

    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def _update(self, values):
        raise PermissionError("the audit log is append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionError("the audit log is append-only")

    def bulk_create(self, objs, *args, **kwargs):
        raise PermissionError("audit rows are chained one by one: use tickets.privacy.audit.audit_record")

    def update_or_create(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class AuditEvent(models.Model):
    """One processing activity: who did what to which ticket or object, when, from where."""

    class Action(models.TextChoices):
        TICKET_VIEW = "ticket_view", _("Melihat tiket")
        TICKET_ASSIGN = "ticket_assign", _("Mengubah penugasan")
        TICKET_STATUS = "ticket_status", _("Mengubah status")
        TICKET_MERGE = "ticket_merge", _("Menggabungkan tiket")
        CONTACT_MERGE = "contact_merge", _("Menggabungkan kontak")
        ESCALATION = "escalation", _("Eskalasi")
        EXPORT = "export", _("Ekspor data")
        PERMISSION = "permission", _("Mengubah hak akses")
        SUBJECT_EXPORT = "subject_export", _("Ekspor data warga (hak akses)")
        SUBJECT_ERASE = "subject_erase", _("Penghapusan data warga")
        RETENTION = "retention", _("Anonimisasi masa retensi")
        AUDIT_EXPORT = "audit_export", _("Ekspor log audit")

    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akun pelaku"),
        null=True,
        blank=True,
        # No cascade may touch an audit row (the trigger would refuse it): actor_name keeps the name.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("pelaku"), max_length=150, blank=True)
    action = models.CharField(_("tindakan"), max_length=20, choices=Action.choices, db_index=True)
    ticket_reference = models.CharField(_("tiket"), max_length=20, blank=True, db_index=True)
    object_type = models.CharField(_("jenis objek"), max_length=50, blank=True)
    object_id = models.CharField(_("ID objek"), max_length=64, blank=True)
    detail = models.JSONField(_("rincian"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("alamat IP"), null=True, blank=True)
    # The chain: the previous row's hash (by id), and sha256(audit_canonical(this row) + prev_hash).
    prev_hash = models.CharField(_("hash sebelumnya"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("log audit")
        verbose_name_plural = pgettext_lazy("jamak", "log audit")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.ticket_reference}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError("the audit log is append-only")
        using = kwargs.get("using") or "default"
        # Stored as it will be read back: JSON round trip (tuples become lists), the address cleaned.
        self.detail = json.loads(json.dumps(self.detail or {}))
        self.ip_address = self._meta.get_field("ip_address").to_python(self.ip_address) or None
        # No savepoint of its own: an audit row that cannot be written fails the caller's transaction.
        with transaction.atomic(using=using, savepoint=False):
            connection = connections[using]
            if connection.vendor == "postgresql":
                # Held until the outermost transaction ends: the next writer reads this row as the head,
                # and takes its id (the sequence) only after this row is committed.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK_KEY])
            # SQLite: transactions begin IMMEDIATE (settings), one writer at a time already.
            head = AuditEvent.objects.using(using).order_by("-id").values_list("hash", "at").first()
            self.prev_hash = head[0] if head else AUDIT_GENESIS_HASH
            # Times never go back along the chain (audit_verify checks it: a row appended later with
            # an earlier time was backdated). A writer that took its time before another writer's row
            # but the lock after it takes that row's time, never a time past the clock: a head dated
            # in the future was forged (audit_verify reports it) and must not carry later rows along.
            latest = timezone.now() + AUDIT_FUTURE_SKEW
            if self.at > latest:
                raise ValueError(f"an audit row cannot be dated in the future ({self.at.isoformat()})")
            if head is not None and self.at < head[1]:
                self.at = min(head[1], latest - AUDIT_FUTURE_SKEW)
            self.hash = audit_hash(self.hashed_values(), self.prev_hash)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")

    def hashed_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in AUDIT_HASHED_FIELDS}


class NumberMention(models.Model):
    """A NIK or KK number mentioned in a message (kept as a keyed hash and a masked form only)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="number_mentions")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="number_mentions")
    kind = models.CharField(max_length=3)  # "nik" | "kk"
    digest = models.CharField(max_length=64, db_index=True)
    masked = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("message", "digest"), name="mention_unique_message_digest")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.masked}"


class NikHashKeyRecord(models.Model):
    """One row: the fingerprint of the key the stored NumberMention hashes were made with (written by
    the first indexed number and by ``manage.py nik_rehash``). The system check tickets.E014 compares it
    with CURHAT_NIK_HASH_KEY's: after an upgrade or a key change, search and erasure by NIK would
    otherwise miss every older ticket without a word."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    fingerprint = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.fingerprint


class RetentionPolicy(models.Model):
    """How long a closed ticket's content is kept. The most specific matching row wins (channel and
    topic, then topic, then channel); without one, ``CURHAT_RETENTION_DAYS`` applies."""

    channel = models.CharField(_("kanal"), max_length=20, blank=True, help_text=_("Kosong: semua kanal."))
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topik"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    days = models.PositiveIntegerField(_("masa simpan (hari)"))
    note = models.CharField(_("dasar/alasan"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kebijakan retensi")
        verbose_name_plural = pgettext_lazy("jamak", "kebijakan retensi")
        constraints = [models.UniqueConstraint(fields=("channel", "topic"), name="retention_unique_scope")]

    def __str__(self) -> str:
        return f"{self.channel or '*'} / {self.topic or '*'}: {self.days} hari"
