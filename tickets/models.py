"""The one ticket model every channel feeds: contacts, their identities, tickets and messages.

Nothing here knows a provider. Channel kinds are the columns of the office's monthly tally.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from curhat.choices import ChoiceDisplayMixin


class Channel(models.TextChoices):
    """How a consultation reached the office; the order is the office's tally column order."""

    PHONE = "phone", _("Telepon")
    WHATSAPP = "whatsapp", _("WhatsApp Chat")
    WHATSAPP_CALL = "whatsapp_call", _("WhatsApp Telepon")
    EMAIL = "email", _("Email")
    FACEBOOK = "facebook", _("Facebook")
    WEBSITE = "website", _("Website")
    SMS = "sms", _("SMS")


class Topic(models.Model):
    """What a consultation is about (KK, akta kelahiran, ...). Data, editable in the admin."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    department = models.ForeignKey(
        "officials.Department",
        verbose_name=_("bidang"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="topics",
        help_text=_("Bidang yang menangani eskalasi topik ini."),
    )
    sort_order = models.PositiveSmallIntegerField(_("urutan"), default=100)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ("sort_order", "name")
        verbose_name = _("topik")
        verbose_name_plural = _("topik")

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A citizen. One contact may write from several identities (phone, e-mail, Messenger)."""

    name = models.CharField(_("nama"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("kontak")
        verbose_name_plural = _("kontak")

    def __str__(self) -> str:
        return self.name or f"Kontak #{self.pk}"


class ContactIdentity(ChoiceDisplayMixin, models.Model):
    """A normalized address a contact can be reached at: E.164 phone (WhatsApp, calls, SMS share
    it), lower-cased e-mail, or a Messenger page-scoped id."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Telepon/WhatsApp")
        EMAIL = "email", _("Email")
        FACEBOOK_PSID = "facebook_psid", _("Facebook Messenger")
        WHATSAPP_USER = "whatsapp_user", _("Pengguna WhatsApp (tanpa nomor)")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    value = models.CharField(_("nilai"), max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("identitas kontak")
        verbose_name_plural = _("identitas kontak")
        constraints = [models.UniqueConstraint(fields=("kind", "value"), name="identity_unique_kind_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class TicketSequence(models.Model):
    """Last reference number used per year; incremented with a row lock so references never collide."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


class Ticket(ChoiceDisplayMixin, models.Model):
    """One consultation: what the office counts in its monthly tally."""

    class Status(models.TextChoices):
        NEW = "new", _("Baru")
        OPEN = "open", _("Diproses")
        WAITING_OFFICIAL = "waiting_official", _("Menunggu pejabat")
        ANSWERED = "answered", _("Dijawab")
        RESOLVED = "resolved", _("Selesai")
        CLOSED = "closed", _("Ditutup")

    reference = models.CharField(_("nomor tiket"), max_length=20, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel.choices)
    account = models.ForeignKey(
        "channels.ChannelAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    subject = models.CharField(_("perihal"), max_length=255, blank=True)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    department = models.ForeignKey(
        "officials.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    tracking_token = models.CharField(max_length=64, unique=True, default=new_tracking_token, editable=False)
    created_at = models.DateTimeField(_("dibuka"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the retention period or an erasure request removed the ticket's personal content; the
    # row itself stays, so the monthly tally keeps counting it.
    anonymized_at = models.DateTimeField(null=True, blank=True)

    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_OFFICIAL, Status.ANSWERED)
    # A message from the citizen continues a ticket in these states (resolved ones are reopened,
    # as a citizen's "terima kasih, satu lagi..." is the same consultation); closed ones are final.
    CONTINUABLE_STATUSES = (*OPEN_STATUSES, Status.RESOLVED)

    class Meta:
        verbose_name = _("tiket")
        verbose_name_plural = _("tiket")
        constraints = [models.UniqueConstraint(fields=("year", "number"), name="ticket_unique_year_number")]
        indexes = [
            # Inbox: by status, newest activity first; "assigned to me".
            models.Index(fields=("status", "-last_activity_at", "-id"), name="ticket_inbox_idx"),
            models.Index(fields=("assignee", "status", "-last_activity_at"), name="ticket_assignee_idx"),
            models.Index(fields=("-last_activity_at", "-id"), name="ticket_activity_idx"),
            # Monthly tally: range over created_at, grouped by channel.
            models.Index(fields=("created_at", "channel"), name="ticket_tally_idx"),
            # Threading: the contact's latest ticket on a channel.
            models.Index(fields=("contact", "channel", "-last_activity_at"), name="ticket_thread_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


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

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(_("arah"), max_length=4, choices=Direction.choices)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel.choices)
    account = models.ForeignKey(
        "channels.ChannelAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    provider = models.CharField(max_length=40, blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    # Stored exactly as received; escaped on display.
    body = models.TextField(_("isi"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    error_code = models.CharField(max_length=40, blank=True)
    error_text = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pesan")
        verbose_name_plural = _("pesan")
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

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    declared_content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)
    provider_media_id = models.CharField(max_length=255, blank=True)
    download_status = models.CharField(
        max_length=10, choices=DownloadStatus.choices, default=DownloadStatus.STORED
    )
    download_error = models.TextField(blank=True)
    download_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lampiran")
        verbose_name_plural = _("lampiran")

    def __str__(self) -> str:
        return self.original_name or f"lampiran #{self.pk}"


class CannedAnswer(models.Model):
    """A saved answer operators insert in one click. ``{nama}`` and ``{nomor_tiket}`` are filled in."""

    title = models.CharField(_("judul"), max_length=200)
    body = models.TextField(_("isi"))
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    shortcut = models.SlugField(_("pintasan"), max_length=40, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("title",)
        verbose_name = _("jawaban tersimpan")
        verbose_name_plural = _("jawaban tersimpan")

    def __str__(self) -> str:
        return self.title


class DeliveryAttempt(ChoiceDisplayMixin, models.Model):
    """One try at handing an outbound message to its provider: every attempt is recorded, so the
    operator sees exactly why a reply did not reach the citizen."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Terkirim")
        SANDBOX = "sandbox", _("Mode sandbox (tidak dikirim)")
        TRANSIENT_ERROR = "transient", _("Galat sementara (dicoba lagi)")
        PERMANENT_ERROR = "permanent", _("Galat permanen")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_text = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    # What was sent: "text", "template:<name>", "email", ...
    variant = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ("message", "number")
        constraints = [
            models.UniqueConstraint(fields=("message", "number"), name="attempt_unique_message_number")
        ]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.number} {self.outcome}"


class TicketReadState(models.Model):
    """When a staff user last opened a ticket: drives the inbox's unread marker."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="read_states")
    last_read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "ticket"), name="readstate_unique_user_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.ticket_id} at {self.last_read_at:%Y-%m-%d %H:%M}"


# --- Knowledge base (syarat) and topic detection ----------------------------------------------------
# Requirement checklists per service, their edit history, the classifier's phrase table and what it
# suggested per ticket. All of it is data the office edits in the admin (domain.md: rules change and
# offices differ); tickets/knowledge/entries.py seeds it and renders it.


class KnowledgeEntry(models.Model):
    """One service's requirements (syarat): what to bring, which forms, the legal basis, fee, time."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("judul"), max_length=200)
    summary = models.CharField(_("ringkasan"), max_length=300, blank=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topik"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge",
    )
    department = models.ForeignKey(
        "officials.Department",
        verbose_name=_("bidang"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge",
    )
    checklist = models.TextField(_("persyaratan"), help_text=_("Satu syarat per baris."))
    forms = models.TextField(_("formulir"), blank=True, help_text=_("Satu formulir per baris."))
    legal_basis = models.TextField(_("dasar hukum"), blank=True, help_text=_("Satu peraturan per baris."))
    fee = models.CharField(_("biaya"), max_length=200, default="Gratis")
    service_time = models.TextField(_("waktu layanan"), blank=True)
    notes = models.TextField(_("catatan"), blank=True, help_text=_("Satu catatan per baris."))
    unconfirmed = models.BooleanField(
        _("perlu dicek kantor"),
        default=False,
        help_text=_("Sumber belum pasti atau saling bertentangan; kantor perlu memastikan isinya."),
    )
    unconfirmed_note = models.TextField(_("yang perlu dicek"), blank=True)
    is_primary = models.BooleanField(
        _("jawaban utama topik"),
        default=False,
        help_text=_("Dikirim dalam balasan otomatis bila topik terdeteksi tanpa rincian layanan."),
    )
    is_published = models.BooleanField(_("tampil di situs"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("urutan"), default=100)
    canned_answer = models.OneToOneField(
        CannedAnswer,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="knowledge",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("sort_order", "title")
        verbose_name = _("persyaratan layanan")
        verbose_name_plural = _("persyaratan layanan")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("knowledge:detail", args=[self.slug])
        except NoReverseMatch:  # the root URLconf does not include tickets.knowledge.urls (yet)
            return f"/persyaratan/{self.slug}/"


class KnowledgeRevision(models.Model):
    """A saved version of an entry: who changed what, when, and the whole entry as it then was."""

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revisi"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("waktu"), default=timezone.now)
    changed_fields = models.JSONField(_("kolom diubah"), default=list, blank=True)
    snapshot = models.JSONField(_("isi"), default=dict)
    comment = models.CharField(_("keterangan"), max_length=200, blank=True)

    class Meta:
        ordering = ("entry", "-number")
        verbose_name = _("revisi persyaratan")
        verbose_name_plural = _("revisi persyaratan")
        constraints = [
            models.UniqueConstraint(fields=("entry", "number"), name="knowledge_revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} r{self.number}"


class ClassifierPhrase(models.Model):
    """One clue for topic detection: a normalized phrase and how much it counts for a topic.

    Syntax (after normalization, see tickets/knowledge/classifier.py): ``kk hilang`` = these words in a row;
    ``ktpel + hilang`` = all of these words anywhere in the message; ``*hilang*`` = a word containing
    "hilang" (``kehilangan``). Negative weights count against the topic.
    """

    topic = models.ForeignKey(
        Topic, verbose_name=_("topik"), on_delete=models.CASCADE, related_name="phrases"
    )
    entry = models.ForeignKey(
        KnowledgeEntry,
        verbose_name=_("layanan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phrases",
        help_text=_("Bila diisi, frasa ini juga memilih persyaratan yang dikirim."),
    )
    phrase = models.CharField(_("frasa"), max_length=120)
    weight = models.FloatField(_("bobot"), default=1.0)
    is_active = models.BooleanField(_("aktif"), default=True)
    note = models.CharField(_("catatan"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("topic", "-weight", "phrase")
        verbose_name = _("frasa klasifikasi")
        verbose_name_plural = _("frasa klasifikasi")
        constraints = [models.UniqueConstraint(fields=("topic", "phrase"), name="classifier_phrase_unique")]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.topic_id} ({self.weight:+g})"


class TopicSuggestion(models.Model):
    """What the classifier made of a ticket's first message, and whether it was applied."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="topic_suggestion")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    topic = models.ForeignKey(
        Topic, verbose_name=_("topik"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.ForeignKey(
        KnowledgeEntry,
        verbose_name=_("layanan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confidence = models.FloatField(_("keyakinan"), default=0.0)
    scores = models.JSONField(default=dict, blank=True)
    matched = models.JSONField(default=list, blank=True)
    applied = models.BooleanField(_("diterapkan"), default=False)
    ack_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saran topik")
        verbose_name_plural = _("saran topik")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.topic_id} ({self.confidence:.2f})"


# Models kept in their own modules, registered with the app here.
from tickets.privacy.audit import AuditEvent  # noqa: E402, F401
from tickets.privacy.subjects import NumberMention, RetentionPolicy  # noqa: E402, F401
