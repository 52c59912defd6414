"""Escalations of tickets to the officials of a department, and their history.

The departments (bidang) and the officials themselves are the core's (tickets.models: Department,
Official): the inbox, the knowledge base and the routing read them too."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from curhat.choices import ChoiceDisplayMixin
from tickets.models import Department, Official


class Escalation(ChoiceDisplayMixin, models.Model):
    """An operator's question about a ticket to the competent official, and the official's answer."""

    class Status(models.TextChoices):
        OPEN = "open", _("Menunggu jawaban")
        ANSWERED = "answered", _("Dijawab")
        AWAITING_APPROVAL = "awaiting_approval", _("Jawaban menunggu persetujuan")
        RETURNED = "returned", _("Dikembalikan ke operator")
        CANCELLED = "cancelled", _("Dibatalkan")

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("tiket"), on_delete=models.CASCADE, related_name="escalations"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("bidang"), on_delete=models.PROTECT, related_name="escalations"
    )
    official = models.ForeignKey(
        Official,
        verbose_name=_("pejabat"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
    )
    question = models.TextField(_("pertanyaan"))
    answer = models.TextField(_("jawaban"), blank=True)
    return_note = models.TextField(_("catatan pengembalian"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diminta oleh"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dijawab oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    due_at = models.DateTimeField(_("jatuh tempo"))
    answered_at = models.DateTimeField(_("dijawab pada"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("diingatkan pada"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("keterlambatan diberitahukan pada"), null=True, blank=True)
    # The outbound message that carried the answer to the citizen (set when relayed).
    relayed_message = models.ForeignKey(
        "tickets.Message",
        verbose_name=_("pesan yang diteruskan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("eskalasi")
        verbose_name_plural = pgettext_lazy("jamak", "eskalasi")
        indexes = [
            models.Index(fields=("department", "status", "due_at"), name="escalation_queue_idx"),
            models.Index(fields=("status", "due_at"), name="escalation_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} → {self.department}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()


class EscalationEvent(ChoiceDisplayMixin, models.Model):
    """The history of an escalation: who did what, when. Append-only; shown in the ticket's timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Diteruskan ke pejabat")
        ASSIGNED = "assigned", _("Dialihkan")
        ANSWERED = "answered", _("Dijawab pejabat")
        SUBMITTED = "submitted", _("Jawaban menunggu persetujuan")
        APPROVED = "approved", _("Jawaban disetujui operator")
        RELAYED = "relayed", _("Jawaban diteruskan ke warga")
        RETURNED = "returned", _("Dikembalikan ke operator")
        REMINDED = "reminded", _("Pengingat jatuh tempo")
        OVERDUE = "overdue", _("Melewati jatuh tempo")
        CANCELLED = "cancelled", _("Dibatalkan")

    escalation = models.ForeignKey(
        Escalation, verbose_name=_("eskalasi"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pelaku"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("catatan"), blank=True)
    created_at = models.DateTimeField(_("waktu"), default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("riwayat eskalasi")
        verbose_name_plural = pgettext_lazy("jamak", "riwayat eskalasi")

    def __str__(self) -> str:
        # What the admin shows as the history row's label: the kind in the reader's language and
        # the office's time (WITA), not "16 answered 2026-12-01 12:00" in UTC (issue 16 re-test N6).
        when = date_format(timezone.localtime(self.created_at), "d M Y H:i") if self.created_at else ""
        return f"{self.get_kind_display()} · {when}"
