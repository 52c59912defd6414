"""The system's health at a glance, read from the database, the broker and the cache: what the
admin's system page shows and what /metrics exports (curhat.metrics), from one place so the two
never disagree. Nothing here hooks into processing: it reads the state processing leaves behind
(an InboundEvent committed as 'pending' and later processed by a worker, replies in the outbox,
attempts, escalations, the IMAP poller's MailboxState, beat's heartbeat)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min
from django.utils import timezone

from channels.models import ChannelAccount, InboundEvent, MailboxState
from officials.models import Escalation
from tickets.models import DeliveryAttempt, Message

BEAT_HEARTBEAT_KEY = "curhat:beat-heartbeat"
IMAP_PROVIDER = "email_imap"
# Counts by outcome over this window (a scrape must not count a table of millions every time).
RECENT = dt.timedelta(hours=24)


@dataclass
class Snapshot:
    now: dt.datetime
    events_recent: dict[tuple[str, str], int] = field(default_factory=dict)  # (provider, outcome) -> n
    events_pending: int = 0
    events_error: int = 0
    oldest_pending_age: float | None = None  # seconds
    outbox: dict[str, int] = field(default_factory=dict)  # state -> n
    outbox_stuck: int = 0
    attempts_recent: dict[str, int] = field(default_factory=dict)  # outcome -> n
    escalations_overdue: int = 0
    mailboxes: list[tuple[str, float | None, str]] = field(default_factory=list)  # name, age, error
    # Mailboxes never polled successfully: seconds since their account was created (what /metrics
    # reports as their poll age, so an alert on it fires for a mailbox that never worked).
    mailboxes_waiting: dict[str, float] = field(default_factory=dict)
    beat_age: float | None = None  # seconds since beat's last heartbeat (None: never seen)
    queues: dict[str, int | None] = field(default_factory=dict)  # queue -> length (None: unreachable)

    @property
    def uses_workers(self) -> bool:
        return not settings.CELERY_TASK_ALWAYS_EAGER


def outbox_stuck_after() -> dt.timedelta:
    """A reply still queued or sending this long after it was written has outlived its retries'
    backoff and the sweeper's period: someone should look."""
    return dt.timedelta(
        seconds=settings.CURHAT_OUTBOX_STUCK_AFTER_SECONDS
        + settings.CURHAT_OUTBOX_BACKOFF_MAX_MS / 1000
        + settings.CURHAT_OUTBOX_SWEEP_INTERVAL_SECONDS
    )


def celery_queue_names() -> list[str]:
    names = {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", None) or "celery"}
    for route in (getattr(settings, "CELERY_TASK_ROUTES", None) or {}).values():
        if isinstance(route, dict) and route.get("queue"):
            names.add(route["queue"])
    return sorted(names)


def celery_queue_lengths() -> dict[str, int | None]:
    """Tasks waiting in each Redis queue (LLEN); empty when tasks run in-process or the broker is
    not Redis."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    lengths: dict[str, int | None] = {}
    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            for name in celery_queue_names():
                lengths[name] = int(client.llen(name))  # type: ignore[arg-type]
        finally:
            client.close()
    except redis.RedisError:
        return dict.fromkeys(celery_queue_names())
    return lengths


def beat_heartbeat_age(now: dt.datetime) -> float | None:
    try:
        seen = cache.get(BEAT_HEARTBEAT_KEY)
    except Exception:  # the cache down is reported by /sehat/; here it just means "not seen"
        return None
    if not seen:
        return None
    return max(0.0, now.timestamp() - float(seen))


def _mailboxes(snap: Snapshot, now: dt.datetime) -> None:
    """Every active IMAP account's mailbox, also one whose poll never succeeded or never ran (no
    MailboxState yet): its age is "never" on the system page and the account's age in /metrics."""
    accounts = ChannelAccount.objects.filter(is_active=True, provider=IMAP_PROVIDER).order_by("slug")
    states = {
        (state.account_id, state.folder): state
        for state in MailboxState.objects.filter(account__in=accounts).select_related("account")
    }
    seen = set()
    for state in sorted(states.values(), key=lambda s: (s.account.slug, s.folder)):
        name = f"{state.account.slug}/{state.folder}"
        age = (now - state.last_polled_at).total_seconds() if state.last_polled_at else None
        snap.mailboxes.append((name, age, state.last_error))
        if age is None:
            snap.mailboxes_waiting[name] = max(0.0, (now - state.account.created_at).total_seconds())
        seen.add(state.account_id)
    for account in accounts:
        if account.pk not in seen:
            name = f"{account.slug}/{(account.config or {}).get('folder') or 'INBOX'}"
            snap.mailboxes.append((name, None, ""))
            snap.mailboxes_waiting[name] = max(0.0, (now - account.created_at).total_seconds())
    snap.mailboxes.sort(key=lambda row: row[0])


def snapshot() -> Snapshot:
    now = timezone.now()
    snap = Snapshot(now=now)
    for row in (
        InboundEvent.objects.filter(received_at__gte=now - RECENT)
        .values("provider", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    ):
        snap.events_recent[(row["provider"], row["outcome"])] = row["n"]
    pending = InboundEvent.objects.filter(outcome=InboundEvent.Outcome.PENDING).aggregate(
        n=Count("id"), oldest=Min("received_at")
    )
    snap.events_pending = pending["n"]
    if pending["oldest"] is not None:
        snap.oldest_pending_age = max(0.0, (now - pending["oldest"]).total_seconds())
    snap.events_error = InboundEvent.objects.filter(outcome=InboundEvent.Outcome.ERROR).count()
    outgoing = Message.objects.filter(direction=Message.Direction.OUT)
    for state in (Message.Status.QUEUED, Message.Status.SENDING):
        snap.outbox[state] = 0
    for row in (
        outgoing.filter(status__in=(Message.Status.QUEUED, Message.Status.SENDING))
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        snap.outbox[row["status"]] = row["n"]
    snap.outbox[Message.Status.FAILED] = outgoing.filter(
        status=Message.Status.FAILED, created_at__gte=now - RECENT
    ).count()
    snap.outbox_stuck = outgoing.filter(
        status__in=(Message.Status.QUEUED, Message.Status.SENDING),
        created_at__lt=now - outbox_stuck_after(),
    ).count()
    for row in (
        DeliveryAttempt.objects.filter(started_at__gte=now - RECENT)
        .values("outcome")
        .annotate(n=Count("id"))
        .order_by()
    ):
        snap.attempts_recent[row["outcome"] or "unfinished"] = row["n"]
    snap.escalations_overdue = Escalation.objects.filter(
        status=Escalation.Status.OPEN, due_at__lt=now
    ).count()
    _mailboxes(snap, now)
    snap.beat_age = beat_heartbeat_age(now)
    snap.queues = celery_queue_lengths()
    return snap


def _age_text(seconds: float | None) -> str:
    from django.utils.translation import gettext as _

    if seconds is None:
        return _("belum pernah")
    if seconds < 120:
        return _("%(n)d detik lalu") % {"n": seconds}
    if seconds < 7200:
        return _("%(n)d menit lalu") % {"n": seconds // 60}
    return _("%(n)d jam lalu") % {"n": seconds // 3600}


def system_page(request):
    """The admin's system page (/admin/sistem/): admins only (staff is checked by admin_view)."""
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    from tickets.roles import is_admin

    if not (request.user.is_superuser or is_admin(request.user)):
        raise PermissionDenied(_("Halaman sistem hanya untuk admin."))
    snap = snapshot()
    stale_after = 3 * 60
    context = {
        **admin.site.each_context(request),
        "title": _("Kesehatan sistem"),
        "snap": snap,
        "oldest_pending": _age_text(snap.oldest_pending_age) if snap.events_pending else "-",
        "mailboxes": [(name, _age_text(age), error) for name, age, error in snap.mailboxes],
        "beat_text": _age_text(snap.beat_age),
        "beat_ok": snap.beat_age is not None and snap.beat_age < stale_after,
        "uses_workers": snap.uses_workers,
    }
    return render(request, "admin/curhat_system.html", context)
