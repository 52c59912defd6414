"""Logging: personal numbers masked before any handler writes, the request id on every record, JSON
lines in production, and one line (no traceback) for an ordinary 4xx.

- ``MaskPersonalNumbers``: log records never carry whole NIK/KK numbers or Meta user ids in Graph
  API paths (UU PDP), in the message or in the traceback (``tickets.privacy.logs``).
- ``RequestIdFilter``: adds ``record.request_id`` from the context variable the middleware sets (web)
  or the task's headers set (worker, see ``connect_celery``).
- ``ClientErrorsWithoutTraceback``: Django logs every 403/404 from a raised PermissionDenied/Http404
  with its traceback; those are answers, not faults.
- ``JsonFormatter``: one JSON object per line (``CURHAT_LOG_FORMAT=json``, the production default).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging

from .requestid import TASK_HEADER, get_request_id, new_request_id, reset_request_id, set_request_id


class MaskPersonalNumbers(logging.Filter):
    _traceback = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        from tickets.privacy.logs import mask_log_text

        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours
            return True
        masked = mask_log_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Formatters write exc_text when it is set: the traceback, masked (an exception's message
            # or a URL in it may name the person).
            record.exc_text = mask_log_text(self._traceback.formatException(record.exc_info))
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = get_request_id() or "-"
        return True


class ClientErrorsWithoutTraceback(logging.Filter):
    """django.request's and django.security's records for responses below 500 (403, 404, 400 for a
    host not allowed) keep their one line, lose the traceback. A request for a host name we do not
    serve (scanners, a stale DNS name: ``django.security.DisallowedHost``) is a WARNING, not an ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name == "django.security.DisallowedHost" or (
            record.name.startswith(("django.request", "django.security"))
            and status is not None
            and status < 500
        ):
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        if record.name == "django.security.DisallowedHost" and record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or get_request_id() or None,
        }
        for extra in ("status_code", "task_id", "task_name", "http"):  # http: gunicorn's access lines
            value = getattr(record, extra, None)
            if value is not None:
                entry[extra] = value
        if record.exc_info:
            entry["exc_info"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str, fmt: str) -> dict:
    """The LOGGING setting: one console handler for everything (Django's own ``django`` logger
    handlers included, so no record is written twice)."""
    formatter = (
        {"()": "curhat.logging.JsonFormatter"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "filters": {
            "mask_numbers": {"()": "curhat.logging.MaskPersonalNumbers"},
            "request_id": {"()": "curhat.logging.RequestIdFilter"},
            "client_errors": {"()": "curhat.logging.ClientErrorsWithoutTraceback"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "filters": ["mask_numbers", "request_id", "client_errors"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default config gives "django" a console handler of its own (under DEBUG) and
            # mail_admins: every request error was printed twice. Ours is the one handler.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.db.backends": {"level": "WARNING"},
        },
    }


def connect_celery(app) -> None:
    """Carry the request id from the code that enqueues a task (a webhook, an operator's reply) to the
    worker that runs it, in the task message's headers; a task enqueued by beat gets a fresh one."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    tokens: dict[str, object] = {}

    @before_task_publish.connect(weak=False)
    def _publish(headers=None, **_kwargs):
        if headers is not None and not headers.get(TASK_HEADER):
            headers[TASK_HEADER] = get_request_id() or new_request_id()

    @task_prerun.connect(weak=False)
    def _prerun(task_id=None, task=None, **_kwargs):
        request = getattr(task, "request", None)
        value = getattr(request, TASK_HEADER, None) if request is not None else None
        if not value and request is not None:
            value = (getattr(request, "headers", None) or {}).get(TASK_HEADER)
        if task_id:
            tokens[task_id] = set_request_id(value or get_request_id() or new_request_id())

    @task_postrun.connect(weak=False)
    def _postrun(task_id=None, **_kwargs):
        token = tokens.pop(task_id, None) if task_id else None
        if token is not None:
            # ValueError: set in another context (an eager task inside a request): leave it.
            with contextlib.suppress(ValueError):
                reset_request_id(token)  # type: ignore[arg-type]
