"""Prometheus metrics at /metrics (prometheus-client).

Figures held in the database (webhooks, pending events, the outbox, delivery attempts, overdue
escalations, the IMAP poller, beat) and in the broker (queue lengths) are computed at scrape time by
a custom collector, so every gunicorn worker answers the same. Request latency is a histogram kept by
curhat.observe's middleware; with several gunicorn workers set ``PROMETHEUS_MULTIPROC_DIR`` (an empty
folder at start) and the scrape sums every worker's file.

Access: ``Authorization: Bearer <CURHAT_METRICS_TOKEN>``, or a client address inside
``CURHAT_METRICS_ALLOWED_NETWORKS`` (comma-separated CIDRs). The client address is
curhat.clientaddr's (behind a proxy: ``CURHAT_RATELIMIT_IP_META_KEY``); a request that came through
a proxy while that key is not set is allowed by its token only. Anything else is refused (403); with
neither setting the endpoint does not exist (404).
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import os

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .clientaddr import client_address, via_unnamed_proxy
from .system import snapshot


class DatabaseCollector:
    """Everything derived from stored state, computed when Prometheus scrapes."""

    def describe(self):
        return []  # nothing to collect at registration (no database access then)

    def collect(self):
        snap = snapshot()
        webhooks = GaugeMetricFamily(
            "curhat_webhook_events_recent",
            "Provider events received in the last 24 hours, by provider and outcome.",
            labels=["provider", "outcome"],
        )
        for (provider, outcome), n in sorted(snap.events_recent.items()):
            webhooks.add_metric([provider, outcome], n)
        yield webhooks
        yield GaugeMetricFamily(
            "curhat_inbound_pending_events",
            "Provider events stored but not processed yet.",
            value=snap.events_pending,
        )
        yield GaugeMetricFamily(
            "curhat_inbound_oldest_pending_age_seconds",
            "Processing lag: age of the oldest event still pending (0 when none is).",
            value=snap.oldest_pending_age or 0.0,
        )
        yield GaugeMetricFamily(
            "curhat_inbound_error_events",
            "Provider events whose processing ended in error.",
            value=snap.events_error,
        )
        outbox = GaugeMetricFamily(
            "curhat_outbox_messages",
            "Replies in the outbox by state (failed: the last 24 hours).",
            labels=["state"],
        )
        for state, n in sorted(snap.outbox.items()):
            outbox.add_metric([state], n)
        yield outbox
        yield GaugeMetricFamily(
            "curhat_outbox_stuck_messages",
            "Replies queued or sending for longer than retries and the sweeper explain.",
            value=snap.outbox_stuck,
        )
        attempts = GaugeMetricFamily(
            "curhat_delivery_attempts_recent",
            "Delivery attempts started in the last 24 hours, by outcome.",
            labels=["outcome"],
        )
        for outcome, n in sorted(snap.attempts_recent.items()):
            attempts.add_metric([outcome], n)
        yield attempts
        yield GaugeMetricFamily(
            "curhat_escalations_overdue",
            "Open escalations past their due date.",
            value=snap.escalations_overdue,
        )
        queues = GaugeMetricFamily(
            "curhat_celery_queue_length",
            "Tasks waiting in the broker, by queue (Redis LLEN).",
            labels=["queue"],
        )
        for queue, n in sorted(snap.queues.items()):
            if n is not None:
                queues.add_metric([queue], n)
        yield queues
        if snap.queues:  # a Redis broker was asked (workers in use)
            # The queue lengths vanish while the broker is unreachable (an alert on them cannot fire):
            # say so in a series of its own.
            yield GaugeMetricFamily(
                "curhat_broker_up",
                "1 when the Celery broker (Redis) answered this scrape, 0 when it did not.",
                value=1 if any(n is not None for n in snap.queues.values()) else 0,
            )
        polls = GaugeMetricFamily(
            "curhat_imap_last_poll_age_seconds",
            "Seconds since each mailbox was last polled.",
            labels=["mailbox"],
        )
        for name, age, _error in snap.mailboxes:
            # Never polled successfully: the account's age, so "older than 10 minutes" fires for a
            # mailbox that never worked too (an absent sample fires nothing).
            polls.add_metric([name], age if age is not None else snap.mailboxes_waiting.get(name, math.inf))
        yield polls
        if snap.uses_workers:
            # The heartbeat lives in Redis (24 h): unknown after a Redis restart or a day without beat.
            # Unknown is +Inf, never an absent series (an alert on the age would not fire).
            yield GaugeMetricFamily(
                "curhat_beat_heartbeat_age_seconds",
                "Seconds since beat's heartbeat task last ran on a worker (+Inf: not seen).",
                value=snap.beat_age if snap.beat_age is not None else math.inf,
            )


def exposition() -> bytes:
    """The scrape: this process's (or, in multiprocess mode, every worker's) request latency and
    process figures, then the database collector's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)
        own = generate_latest(process_registry)
    else:
        own = generate_latest(REGISTRY)
    stored = CollectorRegistry(auto_describe=False)
    stored.register(DatabaseCollector())
    return own + generate_latest(stored)


def _client_allowed(request) -> bool:
    token = settings.CURHAT_METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
            return True
    networks = settings.CURHAT_METRICS_ALLOWED_NETWORKS
    if networks:
        if via_unnamed_proxy(request):
            # Through a reverse proxy without CURHAT_RATELIMIT_IP_META_KEY: REMOTE_ADDR is the proxy,
            # which is inside the allowed network for every client out there. Only the token counts.
            return False
        try:
            address = ipaddress.ip_address(client_address(request))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
    return False


@never_cache
def metrics(request):
    if not (settings.CURHAT_METRICS_TOKEN or settings.CURHAT_METRICS_ALLOWED_NETWORKS):
        raise Http404()
    if not _client_allowed(request):
        return HttpResponseForbidden(
            "metrics: token atau alamat tidak diizinkan\n", content_type="text/plain"
        )
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
