"""Liveness/readiness for load balancers and docker-compose: the database answers, Redis when used,
and in production the collected static files' manifest is there (without it every page is a 500)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def static_manifest_status() -> str:
    """'ok', or why the manifest storage cannot name the static files (collectstatic not run with
    CURHAT_PRODUCTION=1). Other storages need no manifest."""
    hashed_files = getattr(staticfiles_storage, "hashed_files", None)
    if hashed_files is None:
        return "ok"
    if not hashed_files:
        return f"error: no staticfiles.json in {settings.STATIC_ROOT}"
    return "ok"


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
    checks["static"] = static_manifest_status()
    ok = ok and checks["static"] == "ok"
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
