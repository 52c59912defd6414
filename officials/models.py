"""Departments (bidang), the officials in them, and escalations of tickets to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from curhat.choices import ChoiceDisplayMixin


class Department(models.Model):
    """A field of the office (Dafduk, Capil, PIAK, PDIP, Sekretariat). Data, not code: offices differ."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    short_name = models.CharField(_("singkatan"), max_length=40, blank=True)
    description = models.TextField(_("cakupan"), blank=True)
    default_official = models.ForeignKey(
        "Official",
        verbose_name=_("pejabat bawaan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_for",
    )
    answer_needs_approval = models.BooleanField(
        _("jawaban perlu disetujui operator"),
        default=False,
        help_text=_("Jika aktif, jawaban pejabat menunggu persetujuan operator sebelum dikirim."),
    )
    service_hours = models.PositiveSmallIntegerField(
        _("batas waktu jawaban (jam kerja)"),
        default=24,
        help_text=_("Jam kerja sampai jawaban pertama jatuh tempo (bawaan SP4N-LAPOR!: 3 hari kerja)."),
    )
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("bidang")
        verbose_name_plural = _("bidang")

    def __str__(self) -> str:
        return self.short_name or self.name


class Official(models.Model):
    """A staff user who answers escalations for one or more departments."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official")
    title = models.CharField(_("jabatan"), max_length=200, blank=True)
    departments = models.ManyToManyField(Department, related_name="officials", verbose_name=_("bidang"))
    is_available = models.BooleanField(
        _("tersedia"), default=True, help_text=_("Nonaktifkan saat cuti/dinas luar agar eskalasi dialihkan.")
    )

    class Meta:
        verbose_name = _("pejabat")
        verbose_name_plural = _("pejabat")

    def __str__(self) -> str:
        full_name = self.user.get_full_name() or self.user.get_username()
        return f"{full_name} ({self.title})" if self.title else full_name


class Escalation(ChoiceDisplayMixin, models.Model):
    """An operator's question about a ticket to the competent official, and the official's answer."""

    class Status(models.TextChoices):
        OPEN = "open", _("Menunggu jawaban")
        ANSWERED = "answered", _("Dijawab")
        AWAITING_APPROVAL = "awaiting_approval", _("Jawaban menunggu persetujuan")
        RETURNED = "returned", _("Dikembalikan ke operator")
        CANCELLED = "cancelled", _("Dibatalkan")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="escalations")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="escalations")
    official = models.ForeignKey(
        Official, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalations"
    )
    question = models.TextField(_("pertanyaan"))
    answer = models.TextField(_("jawaban"), blank=True)
    return_note = models.TextField(_("catatan pengembalian"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("jatuh tempo"))
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    # The outbound message that carried the answer to the citizen (set when relayed).
    relayed_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("eskalasi")
        verbose_name_plural = _("eskalasi")
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

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("riwayat eskalasi")
        verbose_name_plural = _("riwayat eskalasi")

    def __str__(self) -> str:
        return f"{self.escalation_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
