"""Observability (issue 18): request ids in logs and task headers, /metrics, the admin's system page,
one log line for an ordinary 403."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import subprocess
import sys

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import InboundEvent
from channels.signatures import meta_signature
from curhat.logging import JsonFormatter, RequestIdFilter
from curhat.requestid import reset_request_id, set_request_id
from tests.factories import channel_account, inbound, staff_user
from tickets.ingest import ticket_ingest
from tickets.models import DeliveryAttempt, Message

from ..support import ROOT, wait_for

FIXTURE = ROOT / "tests" / "fixtures" / "meta_whatsapp" / "text.json"


# --- request id ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_request_id_is_accepted_from_the_proxy_or_made(client):
    assert client.get("/sehat/", HTTP_X_REQUEST_ID="proxy-7f3a.1")["X-Request-ID"] == "proxy-7f3a.1"
    made = client.get("/sehat/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    forged = client.get("/sehat/", HTTP_X_REQUEST_ID="x" * 300)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_django_request_lines_carry_the_request_id_and_no_number_is_taken_as_one(client, db):
    """Outside test: Django's own "Not Found" line (django.request, logged after the middleware
    returned) had request_id "-"; and a client could make a NIK the request id of every line."""
    from curhat.requestid import get_request_id

    seen: list[str] = []

    class Grab(logging.Handler):
        def emit(self, record) -> None:
            seen.append(get_request_id())

    handler = Grab(level=logging.WARNING)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/lacak/tidak-ada/", HTTP_X_REQUEST_ID="rid-404-1")
        assert response.status_code == 404 and response["X-Request-ID"] == "rid-404-1"
        assert seen == ["rid-404-1"]
        nik = client.get("/masuk/", HTTP_X_REQUEST_ID="7372-0145-0790-0001")
        assert "7372" not in nik["X-Request-ID"] and len(nik["X-Request-ID"]) == 32
    finally:
        logger.removeHandler(handler)
    assert get_request_id() == ""  # gone once Django has finished the request


def test_json_log_lines_carry_the_request_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("curhat.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    token = set_request_id("rid-uji-1")
    try:
        logger.warning("pesan %s", "masuk")
    finally:
        reset_request_id(token)
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["request_id"] == "rid-uji-1" and entry["message"] == "pesan masuk"
    assert entry["level"] == "WARNING" and entry["logger"] == "curhat.test.json"


FORBIDDEN = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
settings.ROOT_URLCONF = "tests.deploy.forbidden_urls"
settings.ALLOWED_HOSTS = ["testserver"]
Client().get("/terlarang/")
"""


def test_an_ordinary_403_logs_one_line_without_traceback(tmp_path):
    """Django logged each PermissionDenied with its traceback, once through its own console handler
    (DEBUG) and once through ours."""
    env = {
        k: v for k, v in __import__("os").environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))
    }
    env.update(CURHAT_DATA_DIR=str(tmp_path), DJANGO_DEBUG="1", CURHAT_LOG_FORMAT="plain")
    out = subprocess.run(
        [sys.executable, "-c", FORBIDDEN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [line for line in out.stderr.splitlines() if "Forbidden" in line]
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr


DISALLOWED_HOST = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curhat.settings")
django.setup()
from django.test import Client
Client().get("/sehat/", HTTP_HOST="pemindai.example.com")
"""


def test_a_host_not_allowed_is_one_warning_line(tmp_path):
    """Issue 18's tester: DisallowedHost (scanners) was an ERROR with a traceback in the JSON logs."""
    env = {
        k: v for k, v in __import__("os").environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        CURHAT_DATA_DIR=str(tmp_path),
        CURHAT_PRODUCTION="1",
        DJANGO_SECRET_KEY="k" * 20 + "Zq8!x@v#2Lm$9Pw%4Rt^6Yu&1Io*3Ea(5Sd)7Fg_0Hj",
        DJANGO_ALLOWED_HOSTS="curhat.example.go.id",
        CURHAT_NIK_HASH_KEY="n" * 40,
        CURHAT_LOG_FORMAT="json",
    )
    out = subprocess.run(
        [sys.executable, "-c", DISALLOWED_HOST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    entries = [json.loads(line) for line in out.stderr.splitlines() if line.startswith("{")]
    host = [e for e in entries if e["logger"] == "django.security.DisallowedHost"]
    assert len(host) == 1, out.stderr
    assert host[0]["level"] == "WARNING" and "pemindai.example.com" in host[0]["message"]
    assert "exc_info" not in host[0] and "Traceback" not in out.stderr


# --- /metrics ------------------------------------------------------------------------------------
@pytest.fixture
def stored_state(db):
    now = timezone.now()
    account = channel_account("meta_whatsapp", "wa-metrik")
    InboundEvent.objects.create(
        provider="meta_whatsapp", account=account, body=b"{}", received_at=now - dt.timedelta(minutes=10)
    )
    InboundEvent.objects.create(provider="meta_whatsapp", account=account, body=b"{}", outcome="error")
    ticket = ticket_ingest(message=inbound(sender="6281200000009")).ticket
    reply = Message.objects.create(
        ticket=ticket,
        direction="out",
        channel="whatsapp",
        status="queued",
        body="Baik",
        created_at=now - dt.timedelta(hours=3),
    )
    DeliveryAttempt.objects.create(message=reply, number=1, outcome="transient")


def test_metrics_do_not_exist_without_a_token_or_networks(client, settings, db):
    settings.CURHAT_METRICS_TOKEN, settings.CURHAT_METRICS_ALLOWED_NETWORKS = "", []
    assert client.get("/metrics").status_code == 404


def test_metrics_answer_the_token_or_an_allowed_network_only(client, settings, stored_state):
    settings.CURHAT_METRICS_TOKEN, settings.CURHAT_METRICS_ALLOWED_NETWORKS = "tok-uji", []
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer salah").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer tok-uji")
    assert response.status_code == 200
    text = response.content.decode()
    age = float(re.search(r"^curhat_inbound_oldest_pending_age_seconds (\S+)$", text, re.M).group(1))
    assert 590 <= age <= 3600
    assert 'curhat_webhook_events_recent{outcome="pending",provider="meta_whatsapp"} 1.0' in text
    assert "curhat_inbound_error_events 1.0" in text
    assert 'curhat_outbox_messages{state="queued"} 1.0' in text
    assert "curhat_outbox_stuck_messages 1.0" in text
    assert 'curhat_delivery_attempts_recent{outcome="transient"} 1.0' in text
    assert "curhat_escalations_overdue 0.0" in text
    assert "curhat_http_request_duration_seconds_bucket" in text
    settings.CURHAT_METRICS_TOKEN, settings.CURHAT_METRICS_ALLOWED_NETWORKS = "", ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 403  # the test client is 127.0.0.1
    settings.CURHAT_METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert client.get("/metrics").status_code == 200


def test_metrics_networks_are_not_bypassed_through_a_reverse_proxy(client, settings, stored_state):
    """Issue 18's tester: behind a proxy REMOTE_ADDR is the proxy's address (inside the allowed
    network), so every client out there passed the network check."""
    settings.CURHAT_METRICS_TOKEN, settings.CURHAT_METRICS_ALLOWED_NETWORKS = "tok-uji", ["127.0.0.0/8"]
    through_proxy = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_REAL_IP": "203.0.113.9"}
    # No client-address key configured: a proxied request is allowed by its token only.
    settings.CURHAT_CLIENT_IP_META_KEY = "REMOTE_ADDR"
    assert client.get("/metrics", **through_proxy).status_code == 403
    assert client.get("/metrics", **through_proxy, HTTP_AUTHORIZATION="Bearer tok-uji").status_code == 200
    assert client.get("/metrics").status_code == 200  # Prometheus on the internal network, direct
    # The proxy's key configured (as for the rate limits): the client's own address decides.
    settings.CURHAT_CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    assert client.get("/metrics", **through_proxy).status_code == 403
    assert client.get("/metrics", HTTP_X_REAL_IP="127.0.0.5").status_code == 200
    assert client.get("/metrics").status_code == 403  # no address from the proxy: not allowed
    settings.CURHAT_CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9, 127.0.0.1").status_code == 200


# --- the admin's system page -----------------------------------------------------------------------
def test_system_page_for_admins_only(client, stored_state):
    from tickets.reference_data import reference_data_seed

    reference_data_seed()
    url = reverse("system")
    assert client.get(url).status_code == 302  # to the admin's sign-in
    client.force_login(staff_user(group="operator"))  # staff, not an admin: the admin's sign-in
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(staff_user(group="admin"))
    page = client.get(url).content.decode()
    assert re.search(r'id="row-events-error">.*?<td>1</td>', page, re.S)
    assert re.search(r'id="row-outbox-stuck">.*?<td>1</td>', page, re.S)
    assert "10 menit lalu" in page


@pytest.mark.django_db
def test_beat_heartbeat_shows_beat_alive(settings):
    from curhat.system import snapshot
    from curhat.tasks import beat_heartbeat

    beat_heartbeat()
    age = snapshot().beat_age
    assert age is not None and age < 5


@pytest.mark.django_db
def test_beat_heartbeat_value_is_not_masked_as_a_nik(monkeypatch):
    """The worker logs a task's return value; the epoch float 1798760911.133061 (16 digits and a dot)
    came out of the log filter as 179876******3061."""
    from curhat.logging import MaskPersonalNumbers
    from curhat.system import beat_heartbeat_age
    from curhat.tasks import beat_heartbeat

    moment = 1798760911.133061
    monkeypatch.setattr("curhat.tasks.time.time", lambda: moment)
    value = beat_heartbeat()
    record = logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, "succeeded: %s", (value,), None)
    MaskPersonalNumbers().filter(record)
    assert record.getMessage() == f"succeeded: {value}" and "*" not in record.getMessage()
    assert value == "2026-12-31T23:48:31+00:00"
    assert beat_heartbeat_age(dt.datetime.fromtimestamp(moment + 7, tz=dt.UTC)) == pytest.approx(7)


# --- from webhook to worker ------------------------------------------------------------------------
@pytest.mark.worker
def test_the_request_id_follows_a_webhook_to_the_worker(client, celery_worker, settings):
    """A citizen's first message: the webhook's request id is on the worker's log lines of the tasks
    the request enqueued."""
    log_offset = len(celery_worker.log_path.read_bytes())
    from tickets.reference_data import reference_data_seed

    reference_data_seed()
    channel_account("meta_whatsapp", "wa-rid")
    body = FIXTURE.read_bytes()
    response = client.post(
        "/webhooks/meta_whatsapp/wa-rid/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, "s"),
        HTTP_X_REQUEST_ID="rid-webhook-42",
    )
    assert response.status_code == 200
    wait_for(
        lambda: b"[rid-webhook-42]" in celery_worker.log_path.read_bytes()[log_offset:],
        timeout=60,
        message="the worker's log line with the webhook's request id",
    )


@pytest.mark.postgres
@pytest.mark.worker
def test_the_request_id_follows_a_webhook_through_the_inbound_queue(client, celery_worker, settings):
    """Issue 18's tester: with the queue (production), the webhook only stores the event and
    ``manage.py inbound_worker`` applies it later, in another process: its JSON log line for the event
    and the Celery tasks it enqueues must carry the webhook's X-Request-ID."""
    from tests.faults.support import InboundWorker, base_env
    from tickets.reference_data import reference_data_seed

    settings.CURHAT_INBOUND_PROCESSING = "queue"
    reference_data_seed()
    channel_account("meta_whatsapp", "wa-rid-queue")
    body = FIXTURE.read_bytes()
    response = client.post(
        "/webhooks/meta_whatsapp/wa-rid-queue/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, "s"),
        HTTP_X_REQUEST_ID="rid-antrean-77",
    )
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.outcome == InboundEvent.Outcome.PENDING and event.headers["request_id"] == "rid-antrean-77"
    celery_offset = len(celery_worker.log_path.read_bytes())
    worker = InboundWorker(base_env(CURHAT_LOG_FORMAT="json", DB_CONN_MAX_AGE="0")).start()
    try:

        def applied_lines() -> list[dict]:
            lines = [json.loads(x) for x in worker.log().splitlines() if x.startswith("{")]
            return [x for x in lines if x["message"] == f"event {event.pk} (meta_whatsapp) applied"]

        wait_for(lambda: applied_lines(), timeout=60, message=f"the inbound worker's line:\n{worker.log()}")
        assert applied_lines()[0]["request_id"] == "rid-antrean-77"
        assert applied_lines()[0]["logger"] == "channels.pipeline"
    finally:
        worker.stop()
    # The worker's own lines outside an event carry none of it.
    started = [x for x in worker.log().splitlines() if "inbound_worker: mulai" in x]
    assert started and json.loads(started[0])["request_id"] in (None, "-")
    wait_for(
        lambda: b"[rid-antrean-77]" in celery_worker.log_path.read_bytes()[celery_offset:],
        timeout=60,
        message="a Celery task enqueued by the inbound worker, under the webhook's request id:\n"
        + celery_worker.log()[-3000:]
        + worker.log()[-3000:],
    )
