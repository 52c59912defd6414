"""The consultation every channel feeds: channel kinds, topics, tickets and their reference numbers.

Nothing here knows a provider. Channel kinds are the columns of the office's monthly tally.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from curhat.choices import ChoiceDisplayMixin

from .contacts import Contact
from .office import Department


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
        Department,
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
        verbose_name_plural = pgettext_lazy("jamak", "topik")

    def __str__(self) -> str:
        return self.name


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
    year = models.PositiveSmallIntegerField(_("tahun"), editable=False)
    number = models.PositiveIntegerField(_("nomor urut"), editable=False)
    contact = models.ForeignKey(
        Contact, verbose_name=_("kontak"), on_delete=models.PROTECT, related_name="tickets"
    )
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel.choices)
    account = models.ForeignKey(
        "channels.ChannelAccount",
        verbose_name=_("akun kanal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    subject = models.CharField(_("perihal"), max_length=255, blank=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topik"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("bidang"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("digabung ke"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    tracking_token = models.CharField(
        _("token pelacakan"), max_length=64, unique=True, default=new_tracking_token, editable=False
    )
    created_at = models.DateTimeField(_("dibuka"), default=timezone.now)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    last_activity_at = models.DateTimeField(_("aktivitas terakhir"), default=timezone.now)
    last_inbound_at = models.DateTimeField(_("pesan masuk terakhir"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("balasan pertama"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("diselesaikan pada"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True)
    # Set when the retention period or an erasure request removed the ticket's personal content; the
    # row itself stays, so the monthly tally keeps counting it.
    anonymized_at = models.DateTimeField(_("dianonimkan pada"), null=True, blank=True)

    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING_OFFICIAL, Status.ANSWERED)
    # A message from the citizen continues a ticket in these states (resolved ones are reopened,
    # as a citizen's "terima kasih, satu lagi..." is the same consultation); closed ones are final.
    CONTINUABLE_STATUSES = (*OPEN_STATUSES, Status.RESOLVED)

    class Meta:
        verbose_name = _("tiket")
        verbose_name_plural = pgettext_lazy("jamak", "tiket")
        constraints = [models.UniqueConstraint(fields=("year", "number"), name="ticket_unique_year_number")]
        indexes = [
            # Inbox: by status, newest activity first; "assigned to me".
            models.Index(fields=("status", "-last_activity_at", "-id"), name="ticket_inbox_idx"),
            models.Index(fields=("assignee", "status", "-last_activity_at"), name="ticket_assignee_idx"),
            models.Index(fields=("-last_activity_at", "-id"), name="ticket_activity_idx"),
            # The inbox's live refresh: tickets changed (stored) since the last poll.
            models.Index(fields=("updated_at",), name="ticket_updated_idx"),
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
