"""Gunicorn's settings for the web service (gunicorn reads ./gunicorn.conf.py by default, or
``gunicorn -c gunicorn.conf.py``). Command-line flags still override these."""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# The access log leaves out query strings and the referrer: a search by NIK, phone or e-mail (the
# inbox's ``?q=``, the API's filters) would otherwise be written whole to the log by gunicorn's default
# format, whose ``%(r)s`` is the request line with its query string. ``%(U)s`` is the path alone
# (tests/privacy/test_nik_exposure.py runs a real gunicorn with both formats).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
# The path itself may hold a NIK (/lacak/7372014507900001/): masked as every list masks it.
logger_class = "curhat.gunicorn_logger.MaskedNikLogger"

# JSON lines in production (CURHAT_LOG_FORMAT, default json when CURHAT_PRODUCTION=1), like the app's:
# UTC time and, on each access line, the request id of the response's X-Request-ID (curhat/gunicornlog.py).
_production = os.environ.get("CURHAT_PRODUCTION", "").strip().lower() in {"1", "true", "yes", "on"}
if (os.environ.get("CURHAT_LOG_FORMAT", "").strip() or ("json" if _production else "plain")) == "json":
    logger_class = "curhat.gunicornlog.JsonLogger"


def post_worker_init(worker):
    """A new worker (at start, or replacing one that died or was recycled) warms itself before it
    accepts its first request: see curhat/warmup.py."""
    from curhat.warmup import warm

    timings = warm()
    worker.log.info("worker %s warm: %s", worker.pid, timings)


def child_exit(server, worker):
    """Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR, see curhat/metrics.py): a worker that
    is gone no longer counts in the live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
