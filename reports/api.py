"""The monthly per-channel tally over the API (admins only), in the office's own table shape.

``GET /api/v1/reports/tally/``: ``year`` (default this year), or a range ``from``/``to`` (``YYYY-MM``
or ``YYYY-MM-DD``; the report page's ``tahun``/``dari``/``sampai`` work too), and a ``basis``:
``live`` (counted tickets, the default), ``historical`` (the office's imported figures) or
``combined``. The office's March-December 2020 table is
``?basis=historical&from=2020-03&to=2020-12``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.api.permissions import IsReportAdmin

from .periods import period_from_params
from .selectors import BASES, BASIS_COMBINED, BASIS_COUNTED, BASIS_HISTORICAL, tally

# The API's names for the bases (the page's Indonesian ones are accepted too).
API_BASES = {"live": BASIS_COUNTED, "historical": BASIS_HISTORICAL, "combined": BASIS_COMBINED}
API_BASIS_NAMES = {value: key for key, value in API_BASES.items()}


def _params(query) -> dict[str, str]:
    """The page's parameter names from the API's English ones."""
    params = {key: query.get(key, "") for key in ("tahun", "dari", "sampai")}
    params["tahun"] = query.get("year", "") or params["tahun"]
    params["dari"] = query.get("from", "") or params["dari"]
    params["sampai"] = query.get("to", "") or params["sampai"]
    return params


class TallyView(APIView):
    permission_classes = [IsReportAdmin]

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="calendar year (default: this year)"),
            OpenApiParameter("from", str, description="first month or day of a range: YYYY-MM[-DD]"),
            OpenApiParameter("to", str, description="last month or day of a range: YYYY-MM[-DD]"),
            OpenApiParameter(
                "basis",
                str,
                enum=list(API_BASES),
                description="live (counted tickets, default), historical (imported), combined",
            ),
        ],
        responses=inline_serializer(
            "Tally",
            {
                "period": serializers.CharField(),
                "from": serializers.DateField(),
                "to": serializers.DateField(),
                "basis": serializers.CharField(),
                "channels": serializers.ListField(child=serializers.CharField()),
                "rows": serializers.ListField(child=serializers.DictField()),
                "totals": serializers.DictField(child=serializers.IntegerField()),
                "total": serializers.IntegerField(),
                "notes": serializers.ListField(child=serializers.CharField()),
                "table": serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
            },
        ),
    )
    def get(self, request):
        raw_year = request.query_params.get("year", "") or request.query_params.get("tahun", "")
        if raw_year and not (raw_year.isdigit() and 2000 <= int(raw_year) <= 2100):
            raise ValidationError({"year": _("tahun harus antara 2000 dan 2100")})
        try:
            period = period_from_params(_params(request.query_params))
        except ValueError as exc:
            raise ValidationError({"period": str(exc)}) from exc
        raw_basis = request.query_params.get("basis", "") or request.query_params.get("sumber", "")
        basis = API_BASES.get(raw_basis, raw_basis) or BASIS_COUNTED
        if basis not in BASES:
            raise ValidationError({"basis": _("pilih live, historical atau combined")})
        result = tally(period=period, basis=basis)
        return Response(
            {
                "period": result.period.label(),
                "from": period.first,
                "to": period.last,
                "basis": API_BASIS_NAMES[basis],
                "channels": result.channels,
                "rows": [
                    {
                        "year": r.year,
                        "month": r.month,
                        "label": r.label,
                        "counts": r.counts,
                        "total": r.total,
                    }
                    for r in result.rows
                ],
                "totals": result.totals,
                "total": result.grand_total,
                "notes": result.source_notes,
                "table": result.as_text_rows(),
            }
        )
