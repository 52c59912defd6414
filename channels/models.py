"""Office endpoints on providers, and every raw event a provider delivered to us."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tickets.models import Channel


class Provider(models.TextChoices):
    TWILIO_WHATSAPP = "twilio_whatsapp", "Twilio WhatsApp"
    TWILIO_VOICE = "twilio_voice", "Twilio Voice"
    META_WHATSAPP = "meta_whatsapp", "Meta WhatsApp Cloud API"
    MESSENGER = "messenger", "Facebook Messenger"
    EMAIL_IMAP = "email_imap", "Email (IMAP)"
    EMAIL_ANYMAIL = "email_anymail", "Email (anymail webhook)"
    WEBSITE = "website", "Formulir website"
    OPERATOR = "operator", _("Dicatat operator")


class ChannelAccount(models.Model):
    """One office endpoint on a provider: a WhatsApp number, a Facebook page, a mailbox, the web form.

    Webhook URLs carry the account's slug. Secrets are looked up first in the environment
    (``CURHAT_<SLUG>_<NAME>`` or ``..._FILE``), then in ``secrets``; a value may hold several
    comma-separated secrets so that keys can be rotated without downtime.
    """

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel.choices)
    provider = models.CharField(_("penyedia"), max_length=30, choices=Provider.choices)
    address = models.CharField(
        _("alamat"),
        max_length=254,
        blank=True,
        help_text=_("Nomor E.164, phone-number id Meta, id halaman Facebook, atau alamat email kantor."),
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    config = models.JSONField(_("pengaturan"), default=dict, blank=True)
    secrets = models.JSONField(
        _("rahasia"), default=dict, blank=True, help_text=_("Lebih baik lewat variabel lingkungan.")
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)

    class Meta:
        verbose_name = _("akun kanal")
        verbose_name_plural = pgettext_lazy("jamak", "akun kanal")
        ordering = ("channel", "name")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"

    def _env_name(self, name: str) -> str:
        return "CURHAT_" + re.sub(r"[^A-Z0-9]", "_", f"{self.slug}_{name}".upper())

    def secret(self, name: str) -> str:
        """The current (first) value of a secret, or ''."""
        values = self.secret_values(name)
        return values[0] if values else ""

    def secret_values(self, name: str) -> list[str]:
        """Every accepted value of a secret, newest first (for rotation)."""
        env_name = self._env_name(name)
        raw = ""
        if os.environ.get(f"{env_name}_FILE"):
            raw = Path(os.environ[f"{env_name}_FILE"]).read_text(encoding="utf-8")
        elif os.environ.get(env_name):
            raw = os.environ[env_name]
        else:
            stored = self.secrets.get(name, "")
            raw = ",".join(stored) if isinstance(stored, list) else str(stored)
        return [value.strip() for value in raw.split(",") if value.strip()]


class InboundEvent(models.Model):
    """A provider's request exactly as it arrived, committed before any work is done with it, so
    that nothing a provider delivered is lost and any event can be inspected and replayed."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Belum diproses")
        PROCESSED = "processed", _("Diproses")
        DUPLICATE = "duplicate", _("Duplikat")
        IGNORED = "ignored", _("Diabaikan")
        REJECTED = "rejected", _("Ditolak")
        ERROR = "error", _("Galat")

    provider = models.CharField(_("penyedia"), max_length=30, choices=Provider.choices)
    account = models.ForeignKey(
        ChannelAccount,
        verbose_name=_("akun kanal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    received_at = models.DateTimeField(_("diterima"), default=timezone.now, db_index=True)
    headers = models.JSONField(_("header HTTP"), default=dict, blank=True)
    content_type = models.CharField(_("jenis isi"), max_length=200, blank=True)
    body = models.BinaryField(_("isi mentah"))
    outcome = models.CharField(_("hasil"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    reason = models.TextField(_("alasan"), blank=True)
    processed_at = models.DateTimeField(_("diproses pada"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("jumlah percobaan"), default=0)
    # The queue (channels/pipeline.py): a pending event is taken once ``available_at`` has passed
    # (null: at once; set after a transient failure, for the backoff). ``order_key`` is a keyed hash
    # of the sender, so one citizen's events are applied in the order they arrived; cleared once
    # the event is done with (it is only needed while the event waits).
    available_at = models.DateTimeField(_("antrean mulai"), null=True, blank=True)
    order_key = models.CharField(_("kunci urutan"), max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("kejadian masuk")
        verbose_name_plural = pgettext_lazy("jamak", "kejadian masuk")
        indexes = [
            models.Index(fields=("outcome", "received_at"), name="event_outcome_idx"),
            # The queue's scan, and the "an earlier event of this sender still waits" check: both
            # small, as they only hold waiting events.
            models.Index(fields=("id",), name="event_pending_idx", condition=models.Q(outcome="pending")),
            models.Index(
                fields=("order_key", "id"),
                name="event_pending_order_idx",
                condition=models.Q(outcome="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} #{self.pk} {self.outcome}"


class InboundEventKey(models.Model):
    """A further sender of an event that holds several (Meta batches messages of different citizens in
    one request): the queue keeps each of them in order, not only the first (``InboundEvent.order_key``)."""

    event = models.ForeignKey(InboundEvent, on_delete=models.CASCADE, related_name="extra_keys")
    key = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=("key", "event"), name="event_extra_key_idx")]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.key}"


class MailboxState(models.Model):
    """Where the IMAP poller stopped in a mailbox folder: UIDs above ``last_uid`` are new, as long as
    the folder's UIDVALIDITY is unchanged (a change means the server renumbered: start over)."""

    account = models.ForeignKey(
        ChannelAccount, verbose_name=_("akun kanal"), on_delete=models.CASCADE, related_name="mailbox_states"
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("UID terakhir"), default=0)
    last_polled_at = models.DateTimeField(_("terakhir diperiksa"), null=True, blank=True)
    last_error = models.TextField(_("galat terakhir"), blank=True)

    class Meta:
        verbose_name = _("status kotak surat")
        verbose_name_plural = pgettext_lazy("jamak", "status kotak surat")
        constraints = [models.UniqueConstraint(fields=("account", "folder"), name="mailbox_unique_folder")]

    def __str__(self) -> str:
        return f"{self.account.slug}/{self.folder} uid>{self.last_uid}"


from channels.models_datadeletion import DataDeletionRequest  # noqa: E402, F401  (Meta's deletion callback)
