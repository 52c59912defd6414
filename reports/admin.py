"""Admin: historical figures (entered by hand, or imported via the report's upload page), public
holidays (saving one rebuilds the working-day calendar), and read-only logs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tickets.models import PublicHoliday

from .models import ExportLog, HistoricalTally, HistoricalYearTotal, TallyRollup
from .services import workday_calendar_rebuild


@admin.register(HistoricalTally)
class HistoricalTallyAdmin(admin.ModelAdmin):
    list_display = ("year", "month", "month_label", "channel", "count", "imported", "source")
    list_filter = ("year", "imported", "channel")
    search_fields = ("source",)
    ordering = ("-year", "month", "channel")
    readonly_fields = ("imported", "created_at", "updated_at")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": format_html(
                '{} <a href="{}">{}</a>',
                _("Impor dari CSV/XLSX/JSON:"),
                reverse("reports:import"),
                _("halaman impor"),
            ),
        }
        return super().changelist_view(request, extra_context)


@admin.register(HistoricalYearTotal)
class HistoricalYearTotalAdmin(admin.ModelAdmin):
    list_display = ("year", "channel", "count", "source")
    list_filter = ("year", "channel")
    ordering = ("-year", "channel")


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name")
    date_hierarchy = "date"
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        workday_calendar_rebuild()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        workday_calendar_rebuild()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        workday_calendar_rebuild()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "what", "with_personal_data", "row_count")
    list_filter = ("with_personal_data", "what")
    date_hierarchy = "created_at"


@admin.register(TallyRollup)
class TallyRollupAdmin(ReadOnlyAdmin):
    list_display = ("month", "channel", "count")
    list_filter = ("channel",)
