"""A ticket's timeline: messages in and out, their attachments, and every attempt at delivering them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from curhat.choices import ChoiceDisplayMixin

from .tickets import Channel, Ticket


class Message(ChoiceDisplayMixin, models.Model):
    """One message in a ticket's timeline: from the citizen, to the citizen, or an internal note."""

    class Direction(models.TextChoices):
        IN = "in", pgettext_lazy("message direction", "Masuk")
        OUT = "out", pgettext_lazy("message direction", "Keluar")
        NOTE = "note", _("Catatan internal")

    class Kind(models.TextChoices):
        TEXT = "text", _("Teks")
        MEDIA = "media", _("Media")
        LOCATION = "location", _("Lokasi")
        CALL = "call", _("Panggilan")
        INTERACTIVE = "interactive", _("Balasan tombol")
        REACTION = "reaction", _("Reaksi")
        TEMPLATE = "template", _("Templat")
        UNSUPPORTED = "unsupported", _("Pesan tidak didukung")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Diterima")
        QUEUED = "queued", _("Antre")
        SENDING = "sending", _("Dikirim...")
        SENT = "sent", _("Terkirim")
        DELIVERED = "delivered", _("Sampai")
        READ = "read", _("Dibaca")
        FAILED = "failed", _("Gagal")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("tiket"), on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(_("arah"), max_length=4, choices=Direction.choices)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel.choices)
    account = models.ForeignKey(
        "channels.ChannelAccount",
        verbose_name=_("akun kanal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    provider = models.CharField(_("penyedia"), max_length=40, blank=True)
    provider_message_id = models.CharField(_("ID pesan penyedia"), max_length=255, blank=True)
    # Stored exactly as received; escaped on display.
    body = models.TextField(_("isi"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penulis"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    error_code = models.CharField(_("kode galat"), max_length=40, blank=True)
    error_text = models.TextField(_("keterangan galat"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("jumlah percobaan"), default=0)
    idempotency_key = models.UUIDField(
        _("kunci idempotensi"), default=uuid.uuid4, unique=True, editable=False
    )
    meta = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    sent_at = models.DateTimeField(_("terkirim pada"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("sampai pada"), null=True, blank=True)
    read_at = models.DateTimeField(_("dibaca pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("pesan")
        verbose_name_plural = pgettext_lazy("jamak", "pesan")
        ordering = ("created_at", "id")
        constraints = [
            # A redelivered webhook finds its message and changes nothing (a constraint, not a lookup).
            models.UniqueConstraint(
                fields=("provider", "provider_message_id"),
                condition=~Q(provider_message_id=""),
                name="message_unique_provider_id",
            )
        ]
        indexes = [
            models.Index(fields=("ticket", "created_at"), name="message_timeline_idx"),
            models.Index(
                fields=("status", "created_at"),
                name="message_outbox_idx",
                condition=Q(status__in=("queued", "sending")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.ticket_id}/{self.pk}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"lampiran/{now:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(ChoiceDisplayMixin, models.Model):
    """A file a citizen sent (or we sent). Stored outside the web root, served only through a
    permission-checked view; the content type is sniffed from the bytes, never trusted."""

    class DownloadStatus(models.TextChoices):
        PENDING = "pending", _("Menunggu unduhan")
        STORED = "stored", _("Tersimpan")
        FAILED = "failed", _("Gagal diunduh")
        REJECTED = "rejected", _("Ditolak")

    message = models.ForeignKey(
        Message, verbose_name=_("pesan"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("berkas"), upload_to=attachment_upload_to, blank=True)
    original_name = models.CharField(_("nama asli"), max_length=255, blank=True)
    content_type = models.CharField(_("jenis isi"), max_length=100, blank=True)
    declared_content_type = models.CharField(_("jenis isi menurut pengirim"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("ukuran (bita)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    source_url = models.URLField(_("URL sumber"), max_length=1000, blank=True)
    provider_media_id = models.CharField(_("ID media penyedia"), max_length=255, blank=True)
    download_status = models.CharField(
        _("status unduhan"), max_length=10, choices=DownloadStatus.choices, default=DownloadStatus.STORED
    )
    download_error = models.TextField(_("galat unduhan"), blank=True)
    download_attempts = models.PositiveSmallIntegerField(_("percobaan unduhan"), default=0)
    created_at = models.DateTimeField(_("diterima"), default=timezone.now)

    class Meta:
        verbose_name = _("lampiran")
        verbose_name_plural = pgettext_lazy("jamak", "lampiran")

    def __str__(self) -> str:
        return self.original_name or f"lampiran #{self.pk}"


class DeliveryAttempt(ChoiceDisplayMixin, models.Model):
    """One try at handing an outbound message to its provider: every attempt is recorded, so the
    operator sees exactly why a reply did not reach the citizen."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Terkirim")
        SANDBOX = "sandbox", _("Mode sandbox (tidak dikirim)")
        TRANSIENT_ERROR = "transient", _("Galat sementara (dicoba lagi)")
        PERMANENT_ERROR = "permanent", _("Galat permanen")

    message = models.ForeignKey(
        Message, verbose_name=_("pesan"), on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveSmallIntegerField(_("upaya ke"))
    started_at = models.DateTimeField(_("mulai"), default=timezone.now)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    outcome = models.CharField(_("hasil"), max_length=10, choices=Outcome.choices, blank=True)
    http_status = models.PositiveSmallIntegerField(_("status HTTP"), null=True, blank=True)
    error_code = models.CharField(_("kode galat"), max_length=40, blank=True)
    error_text = models.TextField(_("keterangan galat"), blank=True)
    provider_message_id = models.CharField(_("ID pesan penyedia"), max_length=255, blank=True)
    # What was sent: "text", "template:<name>", "email", ...
    variant = models.CharField(_("varian"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("upaya pengiriman")
        verbose_name_plural = pgettext_lazy("jamak", "upaya pengiriman")
        ordering = ("message", "number")
        constraints = [
            models.UniqueConstraint(fields=("message", "number"), name="attempt_unique_message_number")
        ]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.number} {self.outcome}"
