"""Personal-data protection (UU PDP): the audit log, where NIK/KK numbers are mentioned, and how long
conversations are kept. The services over them live in tickets/privacy/ (audit.py, subjects.py).

* ``AuditEvent``: every processing activity, append-only (the ORM refuses changes; on PostgreSQL a
  trigger refuses UPDATE and DELETE as well, see tickets.privacy.audit). Rows keep the actor's name
  and the ticket's reference as text, so deleting a user or anonymizing a ticket never rewrites history.
* ``NumberMention``: a NIK/KK number found in a message, as a keyed hash and a masked form only.
* ``RetentionPolicy``: how long a closed ticket's content is kept, per channel and/or topic.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .messages import Message
from .tickets import Ticket, Topic


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

    class Meta:
        ordering = ("-at", "-id")
        verbose_name = _("log audit")
        verbose_name_plural = pgettext_lazy("jamak", "log audit")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.ticket_reference}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


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
