"""Report pages and downloads. Views parse the request, call selectors/services, and render."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from tickets.models import Department
from tickets.workcalendar import office_calendar

from . import charts, exports, metrics, selectors, services
from .access import admin_or_official_required, admin_required
from .periods import MAX_YEAR, MIN_YEAR, Period, period_from_params

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def _bad_request(request, reason: str) -> HttpResponse:
    return render(request, "reports/bad_request.html", {"reason": reason}, status=400)


def _period_and_basis(request) -> tuple[Period, str]:
    period = period_from_params(request.GET)
    basis = request.GET.get("sumber", selectors.BASIS_COUNTED)
    if basis not in selectors.BASES:
        raise ValueError(_("sumber angka tidak dikenal"))
    return period, basis


def _year_choices(period: Period) -> list[int]:
    """Every year with tickets or historical figures (a year stays while its tickets are held)."""
    return sorted(set(selectors.report_years()) | set(period.years), reverse=True)


def _tally_context(request, period: Period, basis: str) -> dict:
    tally = selectors.tally(period=period, basis=basis)
    historical = None
    if basis == selectors.BASIS_COUNTED:
        candidate = selectors.tally(period=period, basis=selectors.BASIS_HISTORICAL)
        historical = candidate if candidate.grand_total else None
    yoy_years = sorted(
        set(selectors.historical_years()) | set(range(period.last.year - 2, period.last.year + 1))
    )
    series = selectors.year_over_year(years=yoy_years)
    query = period.query_params()
    return {
        "office_name": settings.CURHAT_OFFICE_NAME,
        "period": period,
        "basis": basis,
        "basis_title": exports.BASIS_TITLES[basis],
        "tally": tally,
        "table": tally.as_text_rows(),
        "historical": historical,
        "historical_table": historical.as_text_rows() if historical else None,
        "bars_svg": charts.stacked_bars(tally),
        "shares_svg": charts.channel_shares(tally),
        "yoy_svg": charts.year_over_year_lines(series),
        # Drawn again for phones (reports/charts.py): shown instead below 641 px.
        "bars_svg_narrow": charts.stacked_bars(tally, width=charts.NARROW),
        "shares_svg_narrow": charts.channel_shares(tally, width=charts.NARROW),
        "yoy_svg_narrow": charts.year_over_year_lines(series, width=charts.NARROW),
        "years": _year_choices(period),
        "selected_year": period.first.year if period.is_calendar_year else None,
        "query": urlencode({**query, "sumber": basis}),
        "bases": [
            (selectors.BASIS_COUNTED, _("Hitungan sistem")),
            (selectors.BASIS_HISTORICAL, _("Angka historis")),
            (selectors.BASIS_COMBINED, _("Gabungan")),
        ],
    }


@require_GET
@admin_required
def tally_page(request):
    try:
        period, basis = _period_and_basis(request)
    except ValueError as exc:
        return _bad_request(request, str(exc))
    return render(request, "reports/tally.html", _tally_context(request, period, basis))


@require_GET
@admin_required
def print_page(request):
    try:
        period, basis = _period_and_basis(request)
    except ValueError as exc:
        return _bad_request(request, str(exc))
    return render(request, "reports/print.html", _tally_context(request, period, basis))


def _filename(stem: str, period: Period, ext: str) -> str:
    label = "-".join(period.query_params().values())
    return f"{stem}-{label}.{ext}"


@require_GET
@admin_required
def tally_export(request, fmt: str):
    try:
        period, basis = _period_and_basis(request)
    except ValueError as exc:
        return _bad_request(request, str(exc))
    tally = selectors.tally(period=period, basis=basis)
    services.export_log_record(
        user=request.user,
        what=f"rekap.{fmt}",
        params={**period.query_params(), "sumber": basis},
        with_personal_data=False,
        row_count=len(tally.rows),
        request=request,
    )
    if fmt == "xlsx":
        body = exports.tally_xlsx(tally, office_name=settings.CURHAT_OFFICE_NAME)
        response = HttpResponse(body, content_type=exports.XLSX_CONTENT_TYPE)
    else:
        response = HttpResponse(exports.tally_csv(tally), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("rekap-curhat", period, fmt)}"'
    return response


class TicketExportForm(forms.Form):
    dari = forms.DateField(label=_lazy("Dari tanggal"), widget=forms.DateInput(attrs={"type": "date"}))
    sampai = forms.DateField(label=_lazy("Sampai tanggal"), widget=forms.DateInput(attrs={"type": "date"}))
    format = forms.ChoiceField(label=_lazy("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    data_pribadi = forms.BooleanField(
        label=_lazy("Sertakan data pribadi (nama, nomor/alamat kontak, perihal) — tercatat di log ekspor"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("dari") and data.get("sampai"):
            years = (data["dari"].year, data["sampai"].year)
            if not all(MIN_YEAR <= year <= MAX_YEAR for year in years):  # 9999-12-31 + 1 day: overflow
                raise forms.ValidationError(
                    _("tahun di luar jangkauan (%(min)s–%(max)s)") % {"min": MIN_YEAR, "max": MAX_YEAR}
                )
            if data["sampai"] < data["dari"]:
                raise forms.ValidationError(_("Tanggal akhir sebelum tanggal awal."))
            if (data["sampai"] - data["dari"]).days > 3700:
                raise forms.ValidationError(_("Rentang paling lama 10 tahun."))
        return data


@require_http_methods(["GET", "POST"])
@admin_required
def ticket_export(request):
    if request.method == "GET":
        year = timezone.localtime().year
        form = TicketExportForm(initial={"dari": f"{year}-01-01", "sampai": f"{year}-12-31", "format": "csv"})
        return render(request, "reports/ticket_export.html", {"form": form})
    form = TicketExportForm(request.POST)
    if not form.is_valid():
        return render(request, "reports/ticket_export.html", {"form": form}, status=400)
    period = Period(form.cleaned_data["dari"], form.cleaned_data["sampai"])
    personal = form.cleaned_data["data_pribadi"]
    fmt = form.cleaned_data["format"]
    rows = selectors.ticket_export_rows(period=period, with_personal_data=personal)
    services.export_log_record(
        user=request.user,
        what=f"tiket.{fmt}",
        params={"dari": period.first.isoformat(), "sampai": period.last.isoformat()},
        with_personal_data=personal,
        row_count=rows.count(),
        request=request,
    )
    stem = "tiket-curhat-data-pribadi" if personal else "tiket-curhat"
    filename = f"{stem}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(
            exports.tickets_xlsx(rows.iterator(chunk_size=2000), with_personal_data=personal),
            content_type=exports.XLSX_CONTENT_TYPE,
        )
    else:
        response = StreamingHttpResponse(
            exports.tickets_csv_stream(rows.iterator(chunk_size=2000), with_personal_data=personal),
            content_type="text/csv; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@admin_required
def service_page(request):
    try:
        period, _basis = _period_and_basis(request)
    except ValueError as exc:
        return _bad_request(request, str(exc))
    context = {
        "period": period,
        "years": _year_choices(period),
        "selected_year": period.first.year if period.is_calendar_year else None,
        "metrics": metrics.service_metrics(period=period),
        "escalations": metrics.escalation_metrics(period=period),
        "topics": selectors.tickets_per_topic(period=period),
        "top_topics": selectors.top_topics_per_month(period=period),
        "calendar": office_calendar(),
        "query": urlencode(period.query_params()),
    }
    return render(request, "reports/service.html", context)


@require_GET
@admin_or_official_required
def escalation_page(request):
    try:
        period, _basis = _period_and_basis(request)
    except ValueError as exc:
        return _bad_request(request, str(exc))
    departments = request.report_departments
    context = {
        "period": period,
        "years": _year_choices(period),
        "selected_year": period.first.year if period.is_calendar_year else None,
        "escalations": metrics.escalation_metrics(period=period, department_ids=departments),
        "scope": None
        if departments is None
        else list(Department.objects.filter(id__in=departments).order_by("name")),
    }
    return render(request, "reports/escalations.html", context)


class HistoricalImportForm(forms.Form):
    berkas = forms.FileField(label=_lazy("Berkas CSV, XLSX atau JSON"))
    tahun = forms.IntegerField(
        label=_lazy("Tahun (untuk tabel per bulan seperti format kantor)"),
        required=False,
        min_value=2000,
        max_value=2100,
    )
    sumber = forms.CharField(label=_lazy("Sumber / keterangan"), max_length=400, required=False)


@require_http_methods(["GET", "POST"])
@admin_required
def historical_import(request):
    if request.method == "GET":
        return render(request, "reports/import.html", {"form": HistoricalImportForm()})
    form = HistoricalImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "reports/import.html", {"form": form}, status=400)
    upload = form.cleaned_data["berkas"]
    if upload.size > MAX_UPLOAD_BYTES:
        form.add_error("berkas", _("Berkas terlalu besar (maks. 2 MB)."))
        return render(request, "reports/import.html", {"form": form}, status=400)
    content = upload.read()
    name = upload.name.lower()
    year, source = form.cleaned_data["tahun"], form.cleaned_data["sumber"] or f"Impor {upload.name}"
    try:
        if content[:2] == b"PK" or name.endswith(".xlsx"):
            figures = services.figures_from_xlsx(content, year=year, source=source)
        elif name.endswith(".json") or content.lstrip()[:1] == b"{":
            figures = services.figures_from_office_json(content)
        else:
            figures = services.figures_from_csv(content, year=year, source=source)
        result = services.historical_tallies_import(figures=figures, imported=True)
    except services.ImportError_ as exc:
        form.add_error("berkas", str(exc))
        return render(request, "reports/import.html", {"form": form}, status=400)
    messages.success(
        request,
        _("Impor selesai: %(created)d angka baru, %(updated)d diperbarui.")
        % {"created": result.created, "updated": result.updated},
    )
    years = sorted({f.year for f in figures})
    query = urlencode({"tahun": years[-1], "sumber": selectors.BASIS_HISTORICAL})
    return redirect(f"{reverse('reports:tally')}?{query}")
