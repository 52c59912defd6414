"""The office itself: its departments (bidang), the officials who answer for them, and its working
calendar (public holidays, and the working-day table the SQL metrics join).

Everything that routes or times a ticket reads these, so they are the core's; the tables keep the
names they had in the officials and reports apps (officials_department, reports_workday, ...).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
        db_table = "officials_department"
        ordering = ("name",)
        verbose_name = _("bidang")
        verbose_name_plural = pgettext_lazy("jamak", "bidang")

    def __str__(self) -> str:
        return self.short_name or self.name


class Official(models.Model):
    """A staff user who answers escalations for one or more departments."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pengguna"),
        on_delete=models.CASCADE,
        related_name="official",
    )
    title = models.CharField(_("jabatan"), max_length=200, blank=True)
    departments = models.ManyToManyField(
        Department,
        related_name="officials",
        verbose_name=_("bidang"),
        db_table="officials_official_departments",
    )
    is_available = models.BooleanField(
        _("tersedia"), default=True, help_text=_("Nonaktifkan saat cuti/dinas luar agar eskalasi dialihkan.")
    )

    class Meta:
        db_table = "officials_official"
        verbose_name = _("pejabat")
        verbose_name_plural = pgettext_lazy("jamak", "pejabat")

    def __str__(self) -> str:
        full_name = self.user.get_full_name() or self.user.get_username()
        return f"{full_name} ({self.title})" if self.title else full_name


class PublicHoliday(models.Model):
    """A day the office is closed (hari libur nasional, cuti bersama). Editable in the admin; saving
    one rebuilds the working-day calendar the metrics use."""

    date = models.DateField(_("tanggal"), unique=True)
    name = models.CharField(_("keterangan"), max_length=200)

    class Meta:
        db_table = "reports_publicholiday"
        ordering = ("date",)
        verbose_name = _("hari libur")
        verbose_name_plural = pgettext_lazy("jamak", "hari libur")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class WorkDay(models.Model):
    """The working-day calendar, one row per date (rebuilt from settings and PublicHoliday).

    ``workdays_before`` counts working days strictly before ``date`` since the calendar's first day,
    so SQL can turn an instant into cumulative working seconds with one lookup (see
    tickets.workcalendar).
    """

    date = models.DateField(primary_key=True)
    is_workday = models.BooleanField()
    workdays_before = models.PositiveIntegerField()

    class Meta:
        db_table = "reports_workday"
        verbose_name = _("hari kerja")
        verbose_name_plural = _("kalender hari kerja")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'kerja' if self.is_workday else 'libur'}"
