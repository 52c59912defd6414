"""Report data that is not a ticket: figures from before the system, the per-month rollup of the
tally, and the log of exports. (The working-day calendar, PublicHoliday and WorkDay, is the core's:
tickets.models.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tickets.models import Channel

# Historical tables sometimes only give a remainder ("other: email+facebook+website") per month.
OTHER_CHANNEL = "other"
# The office's 2020 report: e-mail, Facebook and website together per month (the per-month split is
# not legible), their yearly totals published apart (HistoricalYearTotal: 23/20/80).
GROUPED_CHANNEL = "email_fb_web"
GROUPED_PARTS = ("email", "facebook", "website")
HISTORICAL_CHANNEL_CHOICES = [
    *Channel.choices,
    (GROUPED_CHANNEL, _("Email/Facebook/Website (per bulan tidak dirinci)")),
    (OTHER_CHANNEL, _("Lainnya (tidak dirinci)")),
]


class HistoricalTally(models.Model):
    """A monthly figure per channel from before the system (the office's own published tables).

    Never mixed silently with counted tickets: the report shows these as their own labelled rows and
    series.
    """

    year = models.PositiveSmallIntegerField(_("tahun"))
    month = models.PositiveSmallIntegerField(_("bulan"), choices=[(m, str(m)) for m in range(1, 13)])
    channel = models.CharField(_("kanal"), max_length=20, choices=HISTORICAL_CHANNEL_CHOICES)
    count = models.PositiveIntegerField(_("jumlah"))
    source = models.CharField(_("sumber"), max_length=500, blank=True)
    month_label = models.CharField(
        _("nama bulan di sumber"),
        max_length=20,
        blank=True,
        help_text=_("Ejaan bulan seperti ditulis kantor (mis. NOPEMBER); kosong: ejaan baku."),
    )
    imported = models.BooleanField(
        _("diimpor"), default=False, help_text=_("Diisi dari berkas impor (bukan diketik di admin).")
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        ordering = ("year", "month", "channel")
        verbose_name = _("rekap historis")
        verbose_name_plural = pgettext_lazy("jamak", "rekap historis")
        constraints = [
            models.UniqueConstraint(fields=("year", "month", "channel"), name="historical_tally_unique"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="historical_tally_month_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.channel}: {self.count}"


class HistoricalYearTotal(models.Model):
    """A year's total per channel as the office published it, where its monthly rows do not split
    that channel (2020: e-mail 23, Facebook 20, website 80 inside a monthly remainder). The tally's
    TOTAL row shows these instead of the grouped remainder when the period covers that year's
    published months."""

    year = models.PositiveSmallIntegerField(_("tahun"))
    channel = models.CharField(_("kanal"), max_length=20, choices=HISTORICAL_CHANNEL_CHOICES)
    count = models.PositiveIntegerField(_("jumlah"))
    source = models.CharField(_("sumber"), max_length=500, blank=True)

    class Meta:
        ordering = ("year", "channel")
        verbose_name = _("total tahunan historis")
        verbose_name_plural = pgettext_lazy("jamak", "total tahunan historis")
        constraints = [
            models.UniqueConstraint(fields=("year", "channel"), name="historical_year_total_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.channel}: {self.count}"


class TallyRollup(models.Model):
    """Tickets per (local month, channel), excluding merged tickets.

    On PostgreSQL a trigger on tickets_ticket keeps it in the same transaction as every insert,
    update and delete (migration 0002); ``manage.py tally_rollup --verify`` proves it equals the raw
    count. The tally reads it for whole-month periods; SQLite always counts the tickets directly.
    """

    month = models.DateField(_("bulan"))  # first day of the local (WITA) month
    channel = models.CharField(_("kanal"), max_length=20)
    count = models.BigIntegerField(_("jumlah"), default=0)

    class Meta:
        verbose_name = _("rekap bulanan (rollup)")
        verbose_name_plural = pgettext_lazy("jamak", "rekap bulanan (rollup)")
        constraints = [models.UniqueConstraint(fields=("month", "channel"), name="tally_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.channel}: {self.count}"


class ExportLog(models.Model):
    """Who exported what, and whether personal data was in it (UU PDP). The full audit log is a later
    issue; this keeps the minimum."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("oleh"),
    )
    created_at = models.DateTimeField(_("waktu"), default=timezone.now)
    what = models.CharField(_("ekspor"), max_length=200)
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    with_personal_data = models.BooleanField(_("dengan data pribadi"), default=False)
    row_count = models.PositiveIntegerField(_("jumlah baris"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("log ekspor")
        verbose_name_plural = pgettext_lazy("jamak", "log ekspor")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.what}"
