"""What the inbox's views share: the polling interval, the links rows build, the audit record,
400 answers with a reason, the busy-database guard of polls, and the ticket or 404."""

from __future__ import annotations

import logging
import secrets
from functools import wraps

from django.db import OperationalError
from django.http import Http404, HttpResponseBadRequest, JsonResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from tickets.inbox.selectors import ticket_page
from tickets.models import Ticket

logger = logging.getLogger(__name__)

POLL_INTERVAL_MS = 4000


def url_prefix(name: str) -> str:
    """``/inbox/tiket/`` for ``inbox:ticket``: rows build their links as prefix + id + "/" because
    one reverse() per row costs more than all of the list's SQL."""
    return reverse(name, args=[0]).rsplit("0/", 1)[0]


def link_context() -> dict[str, str]:
    return {"ticket_url": url_prefix("inbox:ticket"), "attachment_url": url_prefix("inbox:attachment")}


def audit(request, event: str, ticket: Ticket | None = None, **detail) -> None:
    """UU PDP: every view of a ticket by staff and every change is recorded (tickets.privacy.audit)."""
    from tickets.models import AuditEvent
    from tickets.privacy.audit import audit_record

    audit_record(action=AuditEvent.Action(event), ticket=ticket, detail=detail, request=request)


def bad_request(reason: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")


def busy_is_503(view):
    """Polls run every few seconds: when the database is momentarily busy (SQLite allows one
    writer), answer 503 with Retry-After and let the next tick try again, rather than 500."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except OperationalError:
            logger.warning("poll %s refused: database busy", request.path, exc_info=True)
            response = JsonResponse({"error": _("Basis data sibuk, coba lagi.")}, status=503)
            response["Retry-After"] = "2"
            return response

    return wrapped


def ticket_or_404(ticket_id: int) -> Ticket:
    try:
        return ticket_page.ticket_for_page(ticket_id=ticket_id)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc


# --- searches kept out of polling URLs ---------------------------------------------------------------
# A search by NIK, phone or e-mail (``q``) is typed once; the list's poll and the workspace's list
# pane then request their URL every few seconds. Those URLs carry a token for the search kept in the
# staff member's session (``cari``) instead of the search itself, so the NIK is not repeated in every
# access log line, proxy log and browser history entry.
SAVED_SEARCH_PARAM = "cari"
_SAVED_SEARCHES = "inbox_searches"
_SAVED_SEARCHES_KEPT = 20


def saved_search_token(request, text: str) -> str:
    """The session's token for the search ``text`` (one is made when it has none)."""
    saved: dict[str, str] = dict(request.session.get(_SAVED_SEARCHES, {}))
    for token, value in saved.items():
        if value == text:
            return token
    token = secrets.token_urlsafe(9)
    saved[token] = text
    request.session[_SAVED_SEARCHES] = dict(list(saved.items())[-_SAVED_SEARCHES_KEPT:])
    return token


def without_search_text(request, params) -> dict[str, str]:
    """``params`` (a list's query) with the search ``q`` replaced by its session token."""
    params = {key: value for key, value in params.items() if value}
    text = params.pop("q", "")
    if text:
        params[SAVED_SEARCH_PARAM] = saved_search_token(request, text)
    return params


def with_saved_search(request) -> QueryDict:
    """``request.GET`` with a saved search token put back as ``q``; ValueError for an unknown one."""
    token = request.GET.get(SAVED_SEARCH_PARAM)
    if not token:
        return request.GET
    text = request.session.get(_SAVED_SEARCHES, {}).get(token)
    if text is None:
        raise ValueError(token)
    params = request.GET.copy()
    params.pop(SAVED_SEARCH_PARAM)
    params["q"] = text
    return params
