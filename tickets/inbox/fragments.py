"""HTML of the inbox's two repeated fragments: a ticket row of the list and a message of the ticket
page (also what polling sends to be put in place).

They are built here with ``html_fragment`` (``format_html``'s way) rather than with a template because they are repeated
25-50 times a page, and the template engine spends about half a millisecond on each (variable
lookups, localisation, translations of the same labels again and again): more than the whole
page's SQL. Everything inserted is escaped by ``html_fragment``/``_e``; only the fixed markup
below is trusted. Labels are translated once per page (``Labels``), dates formatted with the active
language's month names in the current time zone, as the ``date`` filter would.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from functools import cached_property

from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext

from tickets.inbox.selectors.listing import InboxRow
from tickets.models import Attachment, Message

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/ogg", "audio/mp4", "audio/x-wav"})


class Labels:
    """Fixed texts and month names in the active language, translated once for a page."""

    @cached_property
    def months(self) -> list[str]:
        return [""] + [str(MONTHS_3[month]).title() for month in range(1, 13)]

    @cached_property
    def unread(self) -> str:
        return gettext("Belum dibaca")

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

    def short(self, moment: dt.datetime) -> str:
        """``d M H:i`` in local time."""
        local = timezone.localtime(moment)
        return f"{local.day:02d} {self.months[local.month]} {local.hour:02d}:{local.minute:02d}"

    def full(self, moment: dt.datetime) -> str:
        """``d M Y H:i`` in local time."""
        local = timezone.localtime(moment)
        return f"{local.day:02d} {self.months[local.month]} {local.year} {local.hour:02d}:{local.minute:02d}"


def _e(value: object) -> SafeString:
    """``value`` escaped for HTML (already-safe HTML as is), marked safe so that it is not escaped
    again: ``django.utils.html.conditional_escape`` without its wrapper for lazy objects, which
    costs more than the escaping itself here."""
    if hasattr(value, "__html__"):
        return SafeString(value.__html__())
    return SafeString(html.escape(str(value)))


def html_fragment(template: str, *args: object, **kwargs: object) -> SafeString:
    """``format_html`` with ``_e``: every inserted value is escaped."""
    return SafeString(template.format(*map(_e, args), **{name: _e(v) for name, v in kwargs.items()}))


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()


def _person(user) -> str:
    return user.get_full_name() or user.username


# --- the inbox list -----------------------------------------------------------------------------------


def row_html(row: InboxRow, *, ticket_url: str, labels: Labels | None = None) -> SafeString:
    labels = labels or Labels()
    t = row.ticket
    channel = t.get_channel_display()
    unread_dot = (
        html_fragment('<span class="unread-dot" role="img" aria-label="{}"></span>', labels.unread)
        if row.unread
        else ""
    )
    if row.assignee_name:
        assignee = _e(row.assignee_name)
    else:
        assignee = html_fragment('<span class="muted">{}</span>', labels.nobody)
    if row.last_reply_status:
        delivery = html_fragment(
            '<span class="badge dl-{}">{}</span>', row.last_reply_status, row.last_reply_status_label
        )
    else:
        delivery = mark_safe('<span class="muted">—</span>')
    return html_fragment(
        '<tr class="ticket-row{unread_class}" id="tiket-{pk}" data-ticket-id="{pk}">\n'
        '  <td class="sel"><input type="checkbox" name="tickets" value="{pk}" form="bulk-form" '
        'aria-label="{select}"></td>\n'
        '  <td class="chan"><span class="ch ch-{channel_code}" role="img" aria-label="{channel}" '
        'title="{channel}"></span></td>\n'
        '  <td class="main-cell">\n'
        "    {unread_dot}\n"
        '    <a class="ticket-link" href="{ticket_url}{pk}/">{reference}</a>\n'
        '    <span class="contact">{name}</span>\n'
        '    <span class="masked">{masked}</span>\n'
        "  </td>\n"
        '  <td class="topic">{topic}</td>\n'
        '  <td class="status"><span class="badge st-{status_code}">{status}</span></td>\n'
        '  <td class="assignee">{assignee}</td>\n'
        '  <td class="age" title="{created}">{age}</td>\n'
        '  <td class="activity"><time datetime="{activity_iso}">{activity}</time></td>\n'
        '  <td class="delivery">{delivery}</td>\n'
        "</tr>",
        unread_class=" unread" if row.unread else "",
        pk=t.pk,
        select=gettext("Pilih tiket %(ref)s") % {"ref": t.reference},
        channel_code=t.channel,
        channel=channel,
        unread_dot=unread_dot,
        ticket_url=ticket_url,
        reference=t.reference,
        name=t.contact.name or labels.no_name,
        masked=row.masked_contact,
        topic=row.topic_name or "—",
        status_code=t.status,
        status=t.get_status_display(),
        assignee=assignee,
        created=labels.full(t.created_at),
        age=timesince(t.created_at),
        activity_iso=_iso(t.last_activity_at),
        activity=labels.short(t.last_activity_at),
        delivery=delivery,
    )


def rows_html(rows: Iterable[InboxRow], *, ticket_url: str) -> list[SafeString]:
    labels = Labels()
    return [row_html(row, ticket_url=ticket_url, labels=labels) for row in rows]


# --- the ticket page's timeline -----------------------------------------------------------------------


def _call_html(call: dict) -> SafeString:
    parts = [_e(gettext("Panggilan"))]
    if call.get("status"):
        parts.append(_e(call["status"]))
    if call.get("duration_seconds") is not None:
        parts.append(_e(gettext("durasi %(s)s detik") % {"s": call["duration_seconds"]}))
    if call.get("talk_seconds") is not None:
        parts.append(_e(gettext("bicara %(s)s detik") % {"s": call["talk_seconds"]}))
    if call.get("voicemail"):
        parts.append(_e(gettext("pesan suara")))
    out = html_fragment('<p class="call">{}</p>', mark_safe(" · ".join(parts)))  # noqa: S308 (escaped parts)
    if call.get("transcript"):
        out = SafeString(out + html_fragment('\n  <p class="transcript">{}</p>', call["transcript"]))
    return out


def _attachment_html(a: Attachment, *, attachment_url: str, labels: Labels) -> SafeString:
    name = a.original_name or labels.attachment
    if a.download_status != Attachment.DownloadStatus.STORED:
        error = html_fragment(" — {}", a.download_error) if a.download_error else ""
        return html_fragment(
            '<div class="attachment"><span class="muted">{}: {}{}</span></div>',
            name,
            a.get_download_status_display(),
            error,
        )
    href = f"{attachment_url}{a.pk}/"
    preview = ""
    if a.content_type in IMAGE_TYPES:
        preview = html_fragment(
            '<a href="{}"><img class="preview" src="{}?inline=1" alt="{}" loading="lazy"></a>\n',
            href,
            href,
            gettext("Lampiran gambar %(name)s") % {"name": a.original_name},
        )
    elif a.content_type in AUDIO_TYPES:
        preview = html_fragment(
            '<audio controls preload="none" src="{}?inline=1" aria-label="{}"></audio>\n',
            href,
            gettext("Rekaman"),
        )
    return html_fragment(
        '<div class="attachment">{}<a class="download" href="{}">{} {} ({})</a></div>',
        preview,
        href,
        gettext("Unduh"),
        name,
        filesizeformat(a.size),
    )


# --- quoted message (WhatsApp reply): its own small template ------------------------------------
def _quote_html(m: Message) -> SafeString:
    """The "membalas pesan …" line of a reply that quotes another message
    (tickets/inbox/_message_quote.html); the excerpt comes from
    ``selectors.ticket_page.messages_quotes_attach``."""
    return render_to_string(
        "tickets/inbox/_message_quote.html",
        {"quoted_id": m.meta["quoted_message_id"], "excerpt": getattr(m, "quoted_excerpt", "")},
    )


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
    direction = m.get_direction_display()
    channel = m.get_channel_display()
    outbound = m.direction == Message.Direction.OUT
    if m.direction == Message.Direction.IN:
        who = labels.citizen
    elif m.author_id:
        who = _person(m.author)
    else:
        who = labels.system
    badge = (
        html_fragment(
            '\n    <span class="badge dl-{}" data-status-for="{}">{}</span>',
            m.status,
            m.pk,
            m.get_status_display(),
        )
        if outbound
        else ""
    )
    parts = [
        html_fragment(
            '<article class="msg msg-{direction_code}{call_class}" id="pesan-{pk}" data-message-id="{pk}" '
            'aria-label="{direction}">\n'
            '  <header class="msg-head">\n'
            '    <span class="ch ch-{channel_code}" role="img" aria-label="{channel}" title="{channel}"></span>\n'
            "    <strong>{who}</strong>\n"
            '    <span class="muted">{direction}</span>\n'
            '    <time datetime="{created_iso}">{created}</time>{badge}\n'
            "  </header>",
            direction_code=m.direction,
            call_class=" msg-call" if m.kind == Message.Kind.CALL else "",
            pk=m.pk,
            direction=direction,
            channel_code=m.channel,
            channel=channel,
            who=who,
            created_iso=_iso(m.created_at),
            created=labels.full(m.created_at),
            badge=badge,
        )
    ]
    if isinstance(m.meta, dict) and m.meta.get("quoted_message_id"):
        parts.append(_quote_html(m))
    if m.kind == Message.Kind.CALL:
        parts.append(_call_html((m.meta or {}).get("call") or {}))
    if m.body:
        parts.append(html_fragment('<div class="body">{}</div>', linebreaksbr(m.body, autoescape=True)))
    parts.extend(_attachment_html(a, attachment_url=attachment_url, labels=labels) for a in _attachments(m))
    if outbound:
        failed = m.status == Message.Status.FAILED
        error = html_fragment("{} {} {}", gettext("Gagal:"), m.error_code, m.error_text) if failed else ""
        parts.append(html_fragment('<p class="delivery-error error" data-error-for="{}">{}</p>', m.pk, error))
        if failed:
            parts.append(
                html_fragment(
                    '<form method="post" action="{}" class="retry">'
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                    '<button type="submit">{}</button></form>',
                    reverse("inbox:retry", args=[m.ticket_id, m.pk]),
                    csrf_token,
                    gettext("Kirim ulang"),
                )
            )
    parts.append(mark_safe("</article>"))
    return mark_safe("\n  ".join(parts))  # noqa: S308 (every part is escaped above)
