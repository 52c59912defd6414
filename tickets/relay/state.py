"""The outbox's bookkeeping on a reply: ``Message.meta["outbox"]`` (lease, due time, sweeps,
operator retries), and how long a worker's lease on a reply in ``sending`` lasts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from tickets.models import Message


def sending_lease() -> dt.timedelta:
    """How long a worker owns a reply in ``sending``: the setting, but never less than what a run's
    provider (or SMTP) calls can take, so a slow but alive send is never taken for a dead one."""
    # One run may make two calls (a reconcile look-up, then the send), each connect + read timeout.
    timeout = max(settings.CURHAT_PROVIDER_TIMEOUT_SECONDS, settings.EMAIL_TIMEOUT or 0)
    return dt.timedelta(seconds=max(settings.CURHAT_OUTBOX_SENDING_LEASE_SECONDS, 4 * timeout + 5))


def outbox_state(message: Message) -> dict[str, Any]:
    return dict((message.meta or {}).get("outbox") or {})


def outbox_state_set(message: Message, **changes: Any) -> None:
    """Change the reply's bookkeeping in memory (``None`` removes a key); the caller saves ``meta``."""
    meta = dict(message.meta or {})
    state = {**(meta.get("outbox") or {}), **changes}
    meta["outbox"] = {key: value for key, value in state.items() if value is not None}
    message.meta = meta


def when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()
