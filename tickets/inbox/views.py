"""The operators' shared inbox: the ticket list, the ticket page and its actions, short-polling
JSON endpoints (new tickets and messages, presence), canned answers and attachment downloads.

Views stay thin: reads come from ``tickets.inbox.selectors``, writes from ``tickets.inbox.services`` and
``tickets.relay.outbox``. Bad input answers 400 with a reason; officials (and anyone without the operator
or admin role) get 403.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.inbox import extensions, presence
from tickets.inbox import fragments as inbox_html
from tickets.inbox import services as inbox_services
from tickets.inbox.forms import (
    ASSIGNED_CHOICES,
    STATUS_CHOICES,
    AssignForm,
    BulkForm,
    CategorizeForm,
    InboxFilterForm,
    MergeContactForm,
    MergeTicketForm,
    NoteForm,
    ReplyForm,
    StatusForm,
)
from tickets.inbox.selectors import listing, reference, ticket_page
from tickets.models import Attachment, CannedAnswer, Channel, Message, Ticket
from tickets.relay import outbox
from tickets.roles import staff_required

logger = logging.getLogger(__name__)

# Content types a browser may show inline from our download view: raster images and audio/video
# it plays itself. Everything else (PDF, SVG, HTML, unknown) is a download, never rendered.
INLINE_SAFE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/x-wav",
        "video/mp4",
    }
)
POLL_INTERVAL_MS = 4000


def _url_prefix(name: str) -> str:
    """``/inbox/tiket/`` for ``inbox:ticket``: rows build their links as prefix + id + "/" because
    one reverse() per row costs more than all of the list's SQL."""
    return reverse(name, args=[0]).rsplit("0/", 1)[0]


def _link_context() -> dict[str, str]:
    return {"ticket_url": _url_prefix("inbox:ticket"), "attachment_url": _url_prefix("inbox:attachment")}


def _audit(request, event: str, ticket: Ticket | None = None, **detail) -> None:
    """UU PDP: every view of a ticket by staff and every change is recorded (tickets.privacy.audit)."""
    from tickets.privacy.audit import AuditEvent, audit_record

    audit_record(action=AuditEvent.Action(event), ticket=ticket, detail=detail, request=request)


def _bad_request(reason: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")


def _filter_form(request) -> InboxFilterForm:
    return InboxFilterForm(request.GET or None)


def _query_or_400(request) -> tuple[listing.InboxQuery, InboxFilterForm] | HttpResponseBadRequest:
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return _bad_request(_("Filter tidak valid: %(errors)s") % {"errors": form.errors.as_text()})
    query = form.inbox_query() if form.is_bound else listing.InboxQuery()
    return query, form


def _filter_params(request) -> dict[str, str]:
    return {key: value for key, value in request.GET.items() if key not in ("cursor",) and value}


def _since_token(moment: dt.datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def _since_from(raw: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(raw) / 1_000_000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ValidationError("since") from exc


@require_GET
@staff_required()
def inbox_list(request):
    parsed = _query_or_400(request)
    if isinstance(parsed, HttpResponseBadRequest):
        return parsed
    query, form = parsed
    size = (form.cleaned_data.get("n") if form.is_bound else None) or listing.DEFAULT_PAGE_SIZE
    cursor = request.GET.get("cursor", "")
    try:
        page = listing.inbox_page(user=request.user, query=query, cursor=cursor, size=size)
    except ValidationError:
        return _bad_request(_("Kursor halaman tidak valid."))
    params = _filter_params(request)
    next_url = ""
    if page.next_cursor:
        next_url = "?" + urlencode({**params, "cursor": page.next_cursor})
    first_url = "?" + urlencode(params) if params else "?"
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
        "row_html": inbox_html.rows_html(page.rows, ticket_url=_url_prefix("inbox:ticket")),
        "next_url": next_url,
        "first_url": first_url,
        "is_first_page": not cursor,
        "operators": reference.inbox_operators(),
        "topics": reference.active_topics(),
        "since": _since_token(timezone.now()),
        "poll_url": reverse("inbox:poll") + ("?" + urlencode(params) if params else ""),
        "poll_interval": POLL_INTERVAL_MS,
        "current_query": request.GET.urlencode(),
        **_link_context(),
    }
    return render(request, "tickets/inbox/list.html", context)


def _busy_is_503(view):
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


@require_GET
@staff_required()
@_busy_is_503
def inbox_poll(request):
    """New activity in the current view since ``since``: rows to put at the top of the list."""
    parsed = _query_or_400(request)
    if isinstance(parsed, HttpResponseBadRequest):
        return parsed
    query, _form = parsed
    try:
        since = _since_from(request.GET.get("since", ""))
    except ValidationError:
        return _bad_request(_("Parameter since tidak valid."))
    now = timezone.now()
    rows = listing.inbox_changes(user=request.user, query=query, since=since)
    html = inbox_html.rows_html(rows, ticket_url=_url_prefix("inbox:ticket"))
    return JsonResponse(
        {
            "since": _since_token(now),
            "rows": [
                {"id": row.ticket.pk, "html": fragment} for row, fragment in zip(rows, html, strict=True)
            ],
        }
    )


def _ticket_or_404(ticket_id: int) -> Ticket:
    try:
        return ticket_page.ticket_for_page(ticket_id=ticket_id)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc


def _canned_for(ticket: Ticket, answers: list[CannedAnswer]) -> list[dict[str, object]]:
    values = {"{nama}": ticket.contact.name or _("Bapak/Ibu"), "{nomor_tiket}": ticket.reference}
    filled = []
    for answer in answers:
        body = answer.body
        for placeholder, value in values.items():
            body = body.replace(placeholder, value)
        filled.append(
            {
                "id": answer.pk,
                "title": answer.title,
                "shortcut": answer.shortcut,
                "body": body,
                "search": f"{answer.title} {answer.shortcut}".lower(),
            }
        )
    return filled


@require_GET
@staff_required()
def ticket_detail(request, ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    # What other apps add (officials: escalations), each read once for its entries and its panel.
    sections = extensions.ticket_sections(ticket=ticket)
    timeline = ticket_page.ticket_timeline(ticket=ticket, extra=[e for s in sections for e in s.timeline])
    shown = [entry for entry in timeline if entry.message is not None]
    for entry, html in zip(shown, _message_fragments(request, [e.message for e in shown]), strict=True):
        entry.html = html
    identities = ticket_page.contact_identities(contact=ticket.contact)
    last_message_id = max((e.message.pk for e in timeline if e.message is not None), default=0)
    with transaction.atomic():  # both writes in one commit
        inbox_services.ticket_mark_read(ticket=ticket, user=request.user)
        _audit(request, "ticket_view", ticket)
    presence.presence_touch(ticket_id=ticket.pk, user=request.user)
    context = {
        "ticket": ticket,
        "timeline": timeline,
        "identities": identities,
        "other_tickets": ticket_page.contact_other_tickets(ticket=ticket),
        "reply_options": ticket_page.reply_channel_options(
            ticket=ticket, identity_kinds=[identity["kind"] for identity in identities]
        ),
        "canned": _canned_for(ticket, reference.canned_answers_for_page()),
        "operators": reference.inbox_operators(),
        "topics": reference.active_topics(),
        "departments": reference.active_departments(),
        "others": presence.presence_others(ticket_id=ticket.pk, user=request.user),
        "last_message_id": last_message_id,
        "poll_url": reverse("inbox:ticket_poll", args=[ticket.pk]),
        "typing_url": reverse("inbox:ticket_typing", args=[ticket.pk]),
        "poll_interval": POLL_INTERVAL_MS,
        "status_actions": _status_actions(ticket),
        "whatsapp_window_ends": _window_end(ticket),
        "back_url": _safe_back(request),
        "panels": [section.panel for section in sections if section.panel is not None],
        **_link_context(),
    }
    return render(request, "tickets/inbox/ticket.html", context)


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
    attachment_url, token = _url_prefix("inbox:attachment"), get_token(request)
    return [
        inbox_html.message_html(m, attachment_url=attachment_url, csrf_token=token, labels=labels)
        for m in messages
    ]


@require_GET
@staff_required()
@_busy_is_503
def ticket_poll(request, ticket_id: int):
    """New messages after ``after``, every reply's delivery state, and who else is here."""
    ticket = get_object_or_404(Ticket.objects.only("id", "updated_at", "status", "assignee_id"), pk=ticket_id)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        return _bad_request(_("Parameter after tidak valid."))
    presence.presence_touch(ticket_id=ticket.pk, user=request.user)
    new, states = ticket_page.ticket_updates(ticket_id=ticket.pk, after_id=after)
    if new:
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


# --- actions --------------------------------------------------------------------------------------


def _back_to(ticket: Ticket):
    return redirect("inbox:ticket", ticket_id=ticket.pk)


def _form_error(request, ticket: Ticket, form):
    """A form that does not validate: 400 for scripts, a flash message and the page for people."""
    reason = "; ".join(str(error) for errors in form.errors.values() for error in errors)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"error": reason}, status=400)
    messages.error(request, reason)
    return _back_to(ticket)


def _service_error(request, ticket: Ticket, error: ValidationError):
    reason = "; ".join(error.messages)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"error": reason}, status=400)
    messages.error(request, reason)
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_reply(request, ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        outbox.message_reply_create(
            ticket=ticket,
            author=request.user,
            body=form.cleaned_data["body"],
            channel=form.cleaned_data.get("channel") or None,
        )
    except ValidationError as error:
        return _service_error(request, ticket, error)
    messages.success(request, _("Balasan masuk antrean pengiriman."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_note(request, ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        outbox.message_note_create(ticket=ticket, author=request.user, body=form.cleaned_data["body"])
    except ValidationError as error:
        return _service_error(request, ticket, error)
    messages.success(request, _("Catatan disimpan."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_assign(request, ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    if request.POST.get("claim") == "1":
        inbox_services.ticket_claim(ticket=ticket, user=request.user)
        _audit(request, "ticket_assign", ticket, assignee=request.user.get_username(), claim=True)
        messages.success(request, _("Tiket Anda ambil."))
        return _back_to(ticket)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        inbox_services.ticket_assign(ticket=ticket, assignee=form.cleaned_data["assignee"], by=request.user)
    except ValidationError as error:
        return _service_error(request, ticket, error)
    assignee = form.cleaned_data["assignee"]
    _audit(request, "ticket_assign", ticket, assignee=assignee.get_username() if assignee else None)
    messages.success(request, _("Petugas tiket diperbarui."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_categorize(request, ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = CategorizeForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    inbox_services.ticket_categorize(
        ticket=ticket, topic=form.cleaned_data["topic"], department=form.cleaned_data["department"]
    )
    messages.success(request, _("Topik dan bidang diperbarui."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_status(request, ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        inbox_services.ticket_set_status(ticket=ticket, action=form.cleaned_data["action"])
    except ValidationError as error:
        return _service_error(request, ticket, error)
    _audit(request, "ticket_status", ticket, status_action=form.cleaned_data["action"])
    messages.success(request, _("Status tiket diperbarui."))
    return _back_to(ticket)


@require_POST
@staff_required()
def ticket_merge(request, ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = MergeTicketForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        inbox_services.ticket_merge(source=form.cleaned_data["reference"], target=ticket, by=request.user)
    except ValidationError as error:
        return _service_error(request, ticket, error)
    _audit(request, "ticket_merge", ticket, merged=form.cleaned_data["reference"].reference)
    messages.success(request, _("Tiket digabung."))
    return _back_to(ticket)


@require_POST
@staff_required()
def contact_merge(request, ticket_id: int):
    ticket = _ticket_or_404(ticket_id)
    form = MergeContactForm(request.POST)
    if not form.is_valid():
        return _form_error(request, ticket, form)
    try:
        inbox_services.contact_merge(
            source=form.cleaned_data["reference"].contact, target=ticket.contact, by=request.user
        )
    except ValidationError as error:
        return _service_error(request, ticket, error)
    _audit(request, "contact_merge", ticket, merged_contact=form.cleaned_data["reference"].contact_id)
    messages.success(request, _("Kontak digabung."))
    return _back_to(ticket)


@require_POST
@staff_required()
def message_retry(request, ticket_id: int, message_id: int):
    ticket = _ticket_or_404(ticket_id)
    message = get_object_or_404(Message, pk=message_id, ticket=ticket)
    try:
        outbox.message_retry(message=message, author=request.user)
    except ValidationError as error:
        return _service_error(request, ticket, error)
    messages.success(request, _("Balasan dikirim ulang."))
    return _back_to(ticket)


@require_POST
@staff_required()
def inbox_bulk(request):
    form = BulkForm(request.POST)
    back = request.POST.get("back", "")
    target = reverse("inbox:list") + (
        "?" + back if back and url_has_allowed_host_and_scheme("/?" + back, allowed_hosts=None) else ""
    )
    if not form.is_valid():
        return _bad_request(_("Tindakan massal tidak valid: %(errors)s") % {"errors": form.errors.as_text()})
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
        return _bad_request("; ".join(error.messages))
    bulk_audit = {"assign": "ticket_assign", "topic": "ticket_status", "close": "ticket_status"}[
        data["action"]
    ]
    for ticket in Ticket.objects.filter(pk__in=data["tickets"]).only("id", "reference"):
        _audit(request, bulk_audit, ticket, bulk=data["action"])
    messages.success(request, _("%(n)s tiket diperbarui.") % {"n": changed})
    return redirect(target)


@require_GET
@staff_required()
def canned_search(request, ticket_id: int):
    """Canned answers matching ``q``, filled in for this ticket (name and reference)."""
    ticket = _ticket_or_404(ticket_id)
    answers = reference.canned_answers(text=request.GET.get("q", "").strip()[:100], topic_id=ticket.topic_id)
    return JsonResponse({"answers": _canned_for(ticket, answers)})


@require_GET
@staff_required()
def attachment_download(request, attachment_id: int):
    """A citizen's file, only for staff, always with nosniff; shown inline only when it is a raster
    image or media the browser plays itself (by the type sniffed from its bytes), otherwise a
    download."""
    attachment = get_object_or_404(Attachment.objects.select_related("message__ticket"), pk=attachment_id)
    if attachment.download_status != Attachment.DownloadStatus.STORED or not attachment.file:
        raise Http404
    inline = request.GET.get("inline") == "1" and attachment.content_type in INLINE_SAFE_TYPES
    content_type = (
        attachment.content_type
        if attachment.content_type in INLINE_SAFE_TYPES
        else "application/octet-stream"
    )
    name = attachment.original_name or f"lampiran-{attachment.pk}"
    if "." not in name:
        name += mimetypes.guess_extension(attachment.content_type or "") or ""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=not inline, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    _audit(request, "ticket_view", attachment.message.ticket, attachment=attachment.pk)
    return response
