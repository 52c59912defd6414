"""The monthly per-channel tally over the API (admins only), in the office's own table shape."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.api.permissions import IsReportAdmin

from .periods import Period
from .selectors import tally


class TallyView(APIView):
    permission_classes = [IsReportAdmin]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="calendar year (default: this year)")],
        responses=inline_serializer(
            "Tally",
            {
                "period": serializers.CharField(),
                "channels": serializers.ListField(child=serializers.CharField()),
                "rows": serializers.ListField(child=serializers.DictField()),
                "totals": serializers.DictField(child=serializers.IntegerField()),
                "total": serializers.IntegerField(),
                "table": serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
            },
        ),
    )
    def get(self, request):
        raw = request.query_params.get("year", "")
        if raw and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
            raise ValidationError({"year": "tahun harus antara 2000 dan 2100"})
        year = int(raw) if raw else timezone.localdate().year  # the office's (WITA) year
        result = tally(period=Period.year(year))
        return Response(
            {
                "period": result.period.label(),
                "channels": result.channels,
                "rows": [
                    {"year": r.year, "month": r.month, "counts": r.counts, "total": r.total}
                    for r in result.rows
                ],
                "totals": result.totals,
                "total": result.grand_total,
                "table": result.as_text_rows(),
            }
        )
