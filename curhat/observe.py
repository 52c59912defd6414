"""Per-request observability in the kernel: the request id (``X-Request-ID``, accepted or made) and
the request latency histogram for /metrics. Prometheus multiprocess mode (gunicorn's several workers)
is used when ``PROMETHEUS_MULTIPROC_DIR`` is set; the database-derived figures are computed at
scrape time by curhat.metrics, not here."""

from __future__ import annotations

import time

from django.core.signals import request_finished
from django.dispatch import receiver
from prometheus_client import Histogram

from .requestid import HEADER, META_KEY, accept_or_new, set_request_id

REQUEST_LATENCY = Histogram(
    "curhat_http_request_duration_seconds",
    "Time from the request entering Django to the response leaving it.",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method(request) -> str:
    """Bounded label values: a client may send any method token."""
    return request.method if request.method in _METHODS else "other"


def _route(request) -> str:
    """The URL pattern's name, not the path: bounded label values (no ticket numbers, no tokens)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


class RequestObservationMiddleware:
    """First in the chain: sets the request id for the logs (and the response header), times the
    request for the latency histogram."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = accept_or_new(request.META.get(META_KEY))
        request.request_id = request_id
        # Kept until Django has finished with the request (request_finished below), not reset when the
        # chain returns: Django logs "Not Found"/5xx lines (django.request) after the middleware.
        set_request_id(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = request_id
        REQUEST_LATENCY.labels(_method(request), _route(request), str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


@receiver(request_finished, dispatch_uid="curhat.observe.request_id_done")
def _request_id_done(sender, **kwargs) -> None:
    set_request_id("")
