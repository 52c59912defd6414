"""The inbox's two repeated fragments: a ticket row of the list (and of the workspace's list pane)
and a message of the ticket page's timeline (also what polling sends to be put in place).

They are templates (``templates/tickets/inbox/fragments/*.jinja``) rendered by Django's Jinja2
backend rather than by Django's own engine because they are repeated 25-50 times a page, and
Django's engine spends about half a millisecond on each (variable lookups, localisation, the same
labels translated again and again): more than the whole page's SQL. Jinja2 compiles a template to
Python once per process and escapes everything inserted (``autoescape``); labels are translated
once per page (``Labels``), dates formatted with the active language's month names in the current
time zone, as the ``date`` filter would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache, cached_property
from typing import Any

from django.conf import settings
from django.template.backends.jinja2 import Jinja2
from django.template.defaultfilters import filesizeformat, linebreaksbr, truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext
from markupsafe import Markup

from tickets.inbox.selectors.listing import InboxRow
from tickets.models import Attachment, Message, Ticket
from tickets.privacy.filenames import attachment_display_name

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/ogg", "audio/mp4", "audio/x-wav"})
FRAGMENTS = ("row.jinja", "message.jinja")


# Django's escaping table (``django.utils.html.escape``) without its lazy-string wrapper, which cost
# more than the escaping itself at ~35 values a row.
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#x27;"}


def _escape(value: object) -> object:
    """Every value a fragment prints, escaped as Django escapes it (``&quot;``, ``&#x27;``) so that it
    reads the same in a fragment and in the page around it; safe HTML (``__html__``: Django's
    ``SafeString``, Jinja's ``Markup``) is kept as it is."""
    if hasattr(value, "__html__"):
        return value
    return Markup(str(value).translate(_ESCAPES))  # noqa: S704 (escaped just here)


@cache
def engine() -> Jinja2:
    """The fragments' engine: Django's Jinja2 backend over this folder only, autoescaping, reloading
    changed files only in development. Built once per process (``curhat.warmup`` builds it and
    compiles the fragments when a worker starts)."""
    return Jinja2(
        {
            "NAME": "inbox_fragments",
            "DIRS": [settings.BASE_DIR / "templates" / "tickets" / "inbox" / "fragments"],
            "APP_DIRS": False,
            # Escaped as Django escapes (``&quot;``, ``&#x27;``), so that a value reads the same in a
            # fragment and in the page around it; already-safe HTML (``__html__``) is kept as is.
            "OPTIONS": {"autoescape": True, "auto_reload": settings.DEBUG, "finalize": _escape},
        }
    )


@cache
def _template(name: str):
    return engine().env.get_template(name)


def _render(name: str, context: dict[str, Any]) -> SafeString:
    """The fragment as HTML that Django's templates and JSON put in place as is (every value in it
    was escaped by the engine)."""
    return SafeString(_template(name).render(context))


def warm() -> None:
    """Compile the fragments now rather than on a worker's first request."""
    for name in FRAGMENTS:
        _template(name)


class Labels:
    """Fixed texts and month names in the active language, translated once for a page."""

    @cached_property
    def months(self) -> list[str]:
        return [""] + [str(MONTHS_3[month]).title() for month in range(1, 13)]

    @cached_property
    def unread(self) -> str:
        return gettext("Belum dibaca")

    @cached_property
    def after_closing(self) -> str:
        return gettext("Pesan setelah ditutup")

    @cached_property
    def after_closing_title(self) -> str:
        return gettext("Warga menulis lagi setelah tiket ditutup (ucapan terima kasih); tiket tetap ditutup")

    @cached_property
    def no_name(self) -> str:
        return gettext("Tanpa nama")

    @cached_property
    def nobody(self) -> str:
        return gettext("Belum ada")

    @cached_property
    def citizen(self) -> str:
        return gettext("Warga")

    @cached_property
    def system(self) -> str:
        return gettext("Sistem")

    @cached_property
    def attachment(self) -> str:
        return gettext("lampiran")

    @cached_property
    def you(self) -> str:
        return gettext("Kantor")

    @cached_property
    def awaiting(self) -> str:
        return gettext("Belum dibalas")

    @cached_property
    def awaiting_title(self) -> str:
        return gettext("Warga belum mendapat balasan pertama dari petugas")

    @cached_property
    def replying_to(self) -> str:
        return gettext("membalas pesan")

    @cached_property
    def failed(self) -> str:
        return gettext("Gagal:")

    @cached_property
    def resend(self) -> str:
        return gettext("Kirim ulang")

    @cached_property
    def download(self) -> str:
        return gettext("Unduh")

    @cached_property
    def recording(self) -> str:
        return gettext("Rekaman")

    @cached_property
    def _select(self) -> str:
        return gettext("Pilih tiket %(ref)s")

    def select(self, reference: str) -> str:
        return self._select % {"ref": reference}

    def full(self, moment: dt.datetime) -> str:
        """``d M Y H:i`` in local time: the staff pages' one date format."""
        local = timezone.localtime(moment)
        return f"{local.day:02d} {self.months[local.month]} {local.year} {local.hour:02d}:{local.minute:02d}"


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


def _person(user) -> str:
    return user.get_full_name() or user.username


# --- the inbox list -----------------------------------------------------------------------------------


def row_html(row: InboxRow, *, ticket_url: str, labels: Labels | None = None) -> SafeString:
    labels = labels or Labels()
    t = row.ticket
    return _render(
        "row.jinja",
        {
            "row": row,
            "L": labels,
            "ticket_url": ticket_url,
            "channel": t.get_channel_display(),
            "status": t.get_status_display(),
            # "age/SLA state": the citizen still waits for a first answer from a person.
            "awaiting": t.first_response_at is None and t.status in Ticket.OPEN_STATUSES,
            "created": labels.full(t.created_at),
            "created_iso": _iso(t.created_at),
            "age": timesince(t.created_at, depth=1),
            "activity_iso": _iso(t.last_activity_at),
            "activity": labels.full(t.last_activity_at),
        },
    )


def rows_html(rows: Iterable[InboxRow], *, ticket_url: str) -> list[SafeString]:
    labels = Labels()
    return [row_html(row, ticket_url=ticket_url, labels=labels) for row in rows]


# --- the ticket page's timeline -----------------------------------------------------------------------


def _call(call: dict) -> dict[str, Any]:
    parts = [gettext("Panggilan")]
    if call.get("status"):
        parts.append(str(call["status"]))
    if call.get("duration_seconds") is not None:
        parts.append(gettext("durasi %(s)s detik") % {"s": call["duration_seconds"]})
    if call.get("talk_seconds") is not None:
        parts.append(gettext("bicara %(s)s detik") % {"s": call["talk_seconds"]})
    if call.get("voicemail"):
        parts.append(gettext("pesan suara"))
    return {"line": " · ".join(parts), "transcript": call.get("transcript") or ""}


def _attachment(a: Attachment, *, attachment_url: str, labels: Labels) -> dict[str, Any]:
    stored = a.download_status == Attachment.DownloadStatus.STORED
    return {
        "stored": stored,
        "name": attachment_display_name(a) or labels.attachment,
        "state": "" if stored else a.get_download_status_display(),
        "error": a.download_error,
        "href": f"{attachment_url}{a.pk}/",
        "image": a.content_type in IMAGE_TYPES,
        "audio": a.content_type in AUDIO_TYPES,
        "alt": gettext("Lampiran gambar %(name)s") % {"name": attachment_display_name(a)},
        "size": filesizeformat(a.size),
    }


def _quote(m: Message) -> dict[str, str] | None:
    """The "membalas pesan …" line of a WhatsApp reply that quotes another message (Twilio
    OriginalRepliedMessageSid, Meta context.id); the excerpt comes from
    ``selectors.ticket_page.messages_quotes_attach`` (empty when we do not hold the quoted message)."""
    quoted = m.meta.get("quoted_message_id") if isinstance(m.meta, dict) else None
    if not quoted:
        return None
    return {
        "id": str(quoted),
        "short_id": truncatechars(str(quoted), 24),
        "excerpt": getattr(m, "quoted_excerpt", ""),
    }


def _attachments(m: Message) -> list[Attachment]:
    """The message's attachments as ``selectors.ticket_messages`` prefetched them, else read."""
    prefetched = getattr(m, "attachment_list", None)
    return prefetched if prefetched is not None else list(m.attachments.all())


def message_html(
    m: Message, *, attachment_url: str, csrf_token: str, labels: Labels | None = None
) -> SafeString:
    """One message of the timeline; ``m`` comes with its author and attachments loaded
    (``selectors.ticket_messages``)."""
    labels = labels or Labels()
    outbound = m.direction == Message.Direction.OUT
    if m.direction == Message.Direction.IN:
        who = labels.citizen
    elif m.author_id:
        who = _person(m.author)
    else:
        who = labels.system
    failed = outbound and m.status == Message.Status.FAILED
    return _render(
        "message.jinja",
        {
            "m": m,
            "L": labels,
            "direction": m.get_direction_display(),
            "channel": m.get_channel_display(),
            "who": who,
            "created_iso": _iso(m.created_at),
            "created": labels.full(m.created_at),
            "outbound": outbound,
            "status": m.get_status_display() if outbound else "",
            "failed": failed,
            "retry_url": reverse("inbox:retry", args=[m.ticket_id, m.pk]) if failed else "",
            "csrf_token": csrf_token,
            "quote": _quote(m),
            "call": _call((m.meta or {}).get("call") or {}) if m.kind == Message.Kind.CALL else None,
            "body": linebreaksbr(m.body, autoescape=True) if m.body else "",
            "attachments": [
                _attachment(a, attachment_url=attachment_url, labels=labels) for a in _attachments(m)
            ],
        },
    )
