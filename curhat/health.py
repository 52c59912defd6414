"""Liveness/readiness for load balancers and docker-compose: the database answers, and Redis when used."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request):
    checks: dict[str, str] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # reported, not raised: this view must answer
        checks["database"] = f"error: {exc.__class__.__name__}"
        ok = False
    if settings.REDIS_URL:
        try:
            cache.set("health-check", "1", 5)
            checks["redis"] = "ok" if cache.get("health-check") == "1" else "error: no round trip"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
        ok = ok and checks["redis"] == "ok"
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
