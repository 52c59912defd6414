"""The ticket page: the timeline with what other apps add to it (``tickets.inbox.extensions``),
its short poll for new messages and delivery states, and who else is viewing or typing."""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.db import OperationalError, transaction
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.inbox import extensions, presence
from tickets.inbox import fragments as inbox_html
from tickets.inbox import services as inbox_services
from tickets.inbox.selectors import reference, ticket_page
from tickets.inbox.views import common
from tickets.inbox.views.canned import fill_canned
from tickets.inbox.views.common import (
    audit,
    bad_request,
    busy_is_503,
    link_context,
    ticket_or_404,
    url_prefix,
)
from tickets.models import Message, Ticket
from tickets.privacy.reads import audit_read
from tickets.roles import staff_required

logger = logging.getLogger(__name__)


@require_GET
@staff_required()
def ticket_detail(request, ticket_id: int):
    return ticket_page_response(request, ticket_or_404(ticket_id))


def ticket_page_response(request, ticket: Ticket, *, reply_body: str = "", reply_error: str = "", status=200):
    """The ticket page; after a refused reply with the operator's text back in the composer and the
    reason next to it (nothing typed is lost)."""
    # What other apps add (officials: escalations), each read once for its entries and its panel.
    sections = extensions.ticket_sections(ticket=ticket)
    timeline = ticket_page.ticket_timeline(ticket=ticket, extra=[e for s in sections for e in s.timeline])
    shown = [(entry, entry.message) for entry in timeline if entry.message is not None]
    fragments = _message_fragments(request, [message for _entry, message in shown])
    for (entry, _message), html in zip(shown, fragments, strict=True):
        entry.html = html
    identities = ticket_page.contact_identities(contact=ticket.contact)
    last_message_id = max((e.message.pk for e in timeline if e.message is not None), default=0)
    with transaction.atomic():  # both writes in one commit
        inbox_services.ticket_mark_read(ticket=ticket, user=request.user)
        audit(request, "ticket_view", ticket)
    presence.presence_touch(ticket_id=ticket.pk, user=request.user)
    back_url = _safe_back(request)
    context = {
        "ticket": ticket,
        "timeline": timeline,
        "identities": identities,
        "other_tickets": ticket_page.contact_other_tickets(ticket=ticket),
        "reply_options": ticket_page.reply_channel_options(
            ticket=ticket, identity_kinds=[identity["kind"] for identity in identities]
        ),
        "canned": fill_canned(ticket, reference.canned_answers_for_page()),
        "operators": reference.inbox_operators(),
        "topics": reference.active_topics(),
        "departments": reference.active_departments(),
        "others": presence.presence_others(ticket_id=ticket.pk, user=request.user),
        "last_message_id": last_message_id,
        "poll_url": reverse("inbox:ticket_poll", args=[ticket.pk]),
        "typing_url": reverse("inbox:ticket_typing", args=[ticket.pk]),
        "poll_interval": common.POLL_INTERVAL_MS,
        "status_actions": _status_actions(ticket),
        "whatsapp_window_ends": _window_end(ticket),
        "back_url": back_url,
        # The workspace's list pane: the list the operator came from, fetched after the page.
        "pane_url": _pane_url(request, back_url),
        "panels": [section.panel for section in sections if section.panel is not None],
        "reply_body": reply_body,
        "reply_error": reply_error,
        **link_context(),
    }
    return render(request, "tickets/inbox/ticket.html", context, status=status)


def _status_actions(ticket: Ticket) -> list[tuple[str, str]]:
    labels = {"resolve": _("Tandai selesai"), "close": _("Tutup tiket"), "reopen": _("Buka kembali")}
    allowed = {
        True: ("resolve", "close"),
        False: ("reopen",) if ticket.status == Ticket.Status.CLOSED else ("reopen", "close"),
    }[ticket.is_open]
    return [(action, labels[action]) for action in allowed]


def _window_end(ticket: Ticket) -> dt.datetime | None:
    from django.conf import settings

    if ticket.last_inbound_at is None:
        return None
    return ticket.last_inbound_at + dt.timedelta(hours=settings.CURHAT_WHATSAPP_WINDOW_HOURS)


def _safe_back(request) -> str:
    back = request.GET.get("back", "")
    if (
        back
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        and back.startswith("/")
    ):
        return back
    return reverse("inbox:list")


def _message_fragments(request, messages: list[Message]) -> list[str]:
    labels = inbox_html.Labels()
    attachment_url, token = url_prefix("inbox:attachment"), get_token(request)
    return [
        inbox_html.message_html(m, attachment_url=attachment_url, csrf_token=token, labels=labels)
        for m in messages
    ]


def _pane_url(request, back_url: str) -> str:
    """The list pane's URL: the list's filters, its search (``q``) as a session token (the pane is
    refreshed every few seconds; the search may be a NIK)."""
    listing_path = reverse("inbox:list")
    if not back_url.startswith(listing_path):
        return reverse("inbox:pane")
    query = urlsplit(back_url).query
    params = common.without_search_text(request, dict(parse_qsl(query)))
    return reverse("inbox:pane") + ("?" + urlencode(params) if params else "")


@require_GET
@staff_required()
@busy_is_503
def ticket_poll(request, ticket_id: int):
    """New messages after ``after``, every reply's delivery state, and who else is here."""
    ticket = get_object_or_404(
        Ticket.objects.only("id", "reference", "updated_at", "status", "assignee_id"), pk=ticket_id
    )
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        return bad_request(_("Parameter after tidak valid."))
    presence.presence_touch(ticket_id=ticket.pk, user=request.user)
    new, states = ticket_page.ticket_updates(ticket_id=ticket.pk, after_id=after)
    if new:
        # Messages are personal data: every poll that returns some is audited (an empty poll is not).
        audit_read(request, "ticket_messages", ticket=ticket, ids=[m.pk for m in new], poll=True)
        _mark_read_best_effort(ticket, request.user)
    others = presence.presence_others(ticket_id=ticket.pk, user=request.user)
    return JsonResponse(
        {
            "messages": [
                {"id": m.pk, "html": html}
                for m, html in zip(new, _message_fragments(request, new), strict=True)
            ],
            "statuses": {str(pk): state for pk, state in states.items()},
            "presence": [{"name": p.name, "typing": p.typing} for p in others],
            "status": ticket.status,
        }
    )


def _mark_read_best_effort(ticket: Ticket, user) -> None:
    """The read marker is a hint: a poll must not fail because another writer holds the lock
    (SQLite in the embedded default allows one writer at a time)."""
    try:
        with transaction.atomic():
            inbox_services.ticket_mark_read(ticket=ticket, user=user)
    except OperationalError:
        logger.info("read state of ticket %s not updated (database busy)", ticket.pk)


@require_POST
@staff_required()
def ticket_typing(request, ticket_id: int):
    get_object_or_404(Ticket.objects.only("id"), pk=ticket_id)
    presence.presence_touch(ticket_id=ticket_id, user=request.user, typing=request.POST.get("typing") == "1")
    return JsonResponse({"ok": True})
