"""The request id: one value per web request (``X-Request-ID`` from the proxy, or a new one), kept in
a context variable that the log filter adds to every record and that Celery carries in a task's
headers to the worker, so one citizen's message can be followed from webhook to worker in the logs.
Standard library only: the kernel's middleware, curhat.logging and curhat.celery all read it."""

from __future__ import annotations

import contextvars
import re
import uuid

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
TASK_HEADER = "curhat_request_id"
# The key under which a stored webhook event (channels.InboundEvent.headers) keeps its request's id,
# for the inbound worker that applies it later.
REQUEST_ID_HEADER_KEY = "request_id"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("curhat_request_id", default="")
# What a proxy may hand us: letters, digits and a few separators, bounded (it ends up in every log line).
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
# ... and never a NIK, KK or phone number a client put there (12+ digits, separators between them).
_LONG_NUMBER = re.compile(r"(?:\d[._:@/+=-]?){12,}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_or_new(value: str | None) -> str:
    """The proxy's id when it is a sane token, a fresh one otherwise (never log what a client made up
    beyond a bounded token)."""
    if value and _ACCEPTABLE.match(value) and not _LONG_NUMBER.search(value):
        return value
    return new_request_id()


def get_request_id() -> str:
    return _current.get()


def set_request_id(value: str) -> contextvars.Token[str]:
    return _current.set(value)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _current.reset(token)
