"""The ticket list: the filtered page, its short poll for new activity, and bulk actions over
selected tickets."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.inbox import fragments as inbox_html
from tickets.inbox import services as inbox_services
from tickets.inbox.forms import (
    ASSIGNED_CHOICES,
    STATUS_CHOICES,
    BulkForm,
    InboxFilterForm,
)
from tickets.inbox.selectors import listing, reference
from tickets.inbox.views import common
from tickets.inbox.views.common import (
    audit,
    bad_request,
    busy_is_503,
    link_context,
    url_prefix,
)
from tickets.models import Channel, Ticket
from tickets.privacy.reads import audit_read
from tickets.roles import staff_required


def _query_or_400(request) -> tuple[listing.InboxQuery, InboxFilterForm] | HttpResponseBadRequest:
    try:
        data = common.with_saved_search(request)
    except ValueError:
        return bad_request(_("Pencarian tidak ditemukan lagi; muat ulang halaman."))
    form = InboxFilterForm(data or None)
    if form.is_bound and not form.is_valid():
        return bad_request(_("Filter tidak valid: %(errors)s") % {"errors": form.errors.as_text()})
    query = form.inbox_query() if form.is_bound else listing.InboxQuery()
    return query, form


def _filter_params(request) -> dict[str, str]:
    return {key: value for key, value in request.GET.items() if key not in ("cursor",) and value}


# A ticket's ``updated_at`` is stamped inside the writer's transaction, a little before it commits: a
# poll (or the page) that ran meanwhile did not see the row, so the next "since" starts this much
# earlier. A row polled twice just replaces itself in the list.
SINCE_OVERLAP = dt.timedelta(seconds=2)


def _since_token(moment: dt.datetime) -> str:
    return str(int((moment - SINCE_OVERLAP).timestamp() * 1_000_000))


def _since_from(raw: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(raw) / 1_000_000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ValidationError("since") from exc


@require_GET
@staff_required()
def inbox_list(request):
    started = timezone.now()  # before the page's rows are read: the poll takes over from here
    parsed = _query_or_400(request)
    if isinstance(parsed, HttpResponseBadRequest):
        return parsed
    query, form = parsed
    size = (form.cleaned_data.get("n") if form.is_bound else None) or listing.DEFAULT_PAGE_SIZE
    cursor = request.GET.get("cursor", "")
    try:
        page = listing.inbox_page(user=request.user, query=query, cursor=cursor, size=size)
    except ValidationError:
        return bad_request(_("Kursor halaman tidak valid."))
    audit_read(request, "ticket_list", ids=[row.ticket.pk for row in page.rows])
    params = _filter_params(request)
    next_url = ""
    if page.next_cursor:
        next_url = "?" + urlencode({**params, "cursor": page.next_cursor})
    first_url = "?" + urlencode(params) if params else "?"
    poll_params = common.without_search_text(request, params)
    context = {
        # The filter controls are written out in the template (Django's widget templates cost
        # more than the whole page's SQL); the form only parses and validates.
        "params": request.GET,
        "filtered": any(key not in ("q", "cursor") for key in params),
        "status_choices": STATUS_CHOICES,
        "channel_choices": Channel.choices,
        "assigned_choices": ASSIGNED_CHOICES,
        "departments": reference.active_departments(),
        "page_sizes": listing.PAGE_SIZES,
        "page": page,
        "rows": page.rows,
        "row_html": inbox_html.rows_html(page.rows, ticket_url=url_prefix("inbox:ticket")),
        "next_url": next_url,
        "first_url": first_url,
        "is_first_page": not cursor,
        "operators": reference.inbox_operators(),
        "topics": reference.active_topics(),
        "since": _since_token(started),
        # The search itself stays out of the URL polled every few seconds (a session token instead).
        "poll_url": reverse("inbox:poll") + ("?" + urlencode(poll_params) if poll_params else ""),
        "poll_interval": common.POLL_INTERVAL_MS,
        "current_query": request.GET.urlencode(),
        **link_context(),
    }
    return render(request, "tickets/inbox/list.html", context)


@require_GET
@staff_required()
@busy_is_503
def inbox_poll(request):
    """New activity in the current view since ``since``: rows to put at the top of the list."""
    parsed = _query_or_400(request)
    if isinstance(parsed, HttpResponseBadRequest):
        return parsed
    query, _form = parsed
    try:
        since = _since_from(request.GET.get("since", ""))
    except ValidationError:
        return bad_request(_("Parameter since tidak valid."))
    now = timezone.now()
    rows = listing.inbox_changes(user=request.user, query=query, since=since)
    if rows:  # names and previews: audited when the poll returns any (an empty poll is not)
        audit_read(request, "ticket_list", ids=[row.ticket.pk for row in rows], poll=True)
    html = inbox_html.rows_html(rows, ticket_url=url_prefix("inbox:ticket"))
    return JsonResponse(
        {
            "since": _since_token(now),
            "rows": [
                {"id": row.ticket.pk, "html": fragment} for row, fragment in zip(rows, html, strict=True)
            ],
        }
    )


@require_GET
@staff_required()
@busy_is_503
def inbox_pane(request):
    """The first page of a list view as rows, for the ticket workspace's list pane (fetched after
    the ticket page, so that page's queries stay what they were)."""
    parsed = _query_or_400(request)
    if isinstance(parsed, HttpResponseBadRequest):
        return parsed
    query, _form = parsed
    page = listing.inbox_page(user=request.user, query=query, size=listing.DEFAULT_PAGE_SIZE)
    audit_read(request, "ticket_list", ids=[row.ticket.pk for row in page.rows], pane=True)
    html = inbox_html.rows_html(page.rows, ticket_url=url_prefix("inbox:ticket"))
    return JsonResponse(
        {
            "rows": [
                {"id": row.ticket.pk, "html": fragment} for row, fragment in zip(page.rows, html, strict=True)
            ]
        }
    )


@require_POST
@staff_required()
def inbox_bulk(request):
    form = BulkForm(request.POST)
    back = request.POST.get("back", "")
    target = reverse("inbox:list") + (
        "?" + back if back and url_has_allowed_host_and_scheme("/?" + back, allowed_hosts=None) else ""
    )
    if not form.is_valid():
        return bad_request(_("Tindakan massal tidak valid: %(errors)s") % {"errors": form.errors.as_text()})
    data = form.cleaned_data
    try:
        changed = inbox_services.tickets_bulk_update(
            ticket_ids=data["tickets"],
            action=data["action"],
            assignee=data.get("assignee"),
            topic=data.get("topic"),
            by=request.user,
        )
    except ValidationError as error:
        return bad_request("; ".join(error.messages))
    bulk_audit = {"assign": "ticket_assign", "topic": "ticket_status", "close": "ticket_status"}[
        data["action"]
    ]
    for ticket in Ticket.objects.filter(pk__in=data["tickets"]).only("id", "reference"):
        audit(request, bulk_audit, ticket, bulk=data["action"])
    messages.success(request, _("%(n)s tiket diperbarui.") % {"n": changed})
    return redirect(target)
