"""The floor of this stack: what any signed webhook costs on the same gunicorn, Django and
PostgreSQL with nothing of ours in between (an HMAC over the body, two inserts in one transaction).
The tables are created by bench/webhooks.py."""

from __future__ import annotations

import hashlib
import hmac

from django.db import connection, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

SECRET = b"floor-secret"


@csrf_exempt
def floor(request):
    body = request.body
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponse(status=403)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor_event (body) VALUES (%s) RETURNING id", [body])
        event_id = cursor.fetchone()[0]
        cursor.execute("INSERT INTO bench_floor_item (event_id, size) VALUES (%s, %s)", [event_id, len(body)])
    return HttpResponse("ok")
