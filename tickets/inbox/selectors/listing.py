"""Reads for the inbox's ticket list: the filters (from the URL), keyset pagination by cursor, the
rows, and the "what changed since" query behind the list's short polling.

Query shapes are the point: a page is a fixed number of queries whatever its size (tests pin them),
and the list walks the (last_activity_at, id) index instead of counting or offsetting through a
million tickets.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Substr, Trim
from django.utils import timezone

from tickets.identities import mask_identity
from tickets.inbox.extensions import waiting_filter
from tickets.inbox.selectors.search import ticket_search_filter
from tickets.models import ContactIdentity, Message, Ticket, TicketReadState, Topic
from tickets.privacy.nik import mask_numbers_in, mask_personal_text

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

STATUS_OPEN = ""  # the default view: every status that still needs work
STATUS_ALL = "semua"
ASSIGNED_ANYONE = "anyone"
ASSIGNED_MINE = "mine"
ASSIGNED_NONE = "unassigned"
PAGE_SIZES = (10, 25, 50)
PREVIEW_CHARS = 120  # of the last message, shown under the contact's name
DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class InboxQuery:
    """The inbox's filters, as read from the URL (so a view can be shared by its address)."""

    status: str = STATUS_OPEN
    channel: str = ""
    topic_id: int | None = None
    department_id: int | None = None
    assigned: str = ASSIGNED_ANYONE
    waiting_official: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""


@dataclass
class InboxRow:
    ticket: Ticket
    masked_contact: str
    unread: bool
    last_reply_status: str
    last_reply_status_label: str
    topic_name: str = ""
    assignee_name: str = ""
    preview: str = ""  # the start of the last message to or from the citizen, NIK/KK numbers masked
    preview_outbound: bool = False  # that message was ours
    after_closing: bool = False  # closed, and the citizen wrote since (a thank-you: tickets.closing)
    contact_name: str = ""  # NIK/KK numbers, e-mail addresses and phone numbers masked


@dataclass
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str = ""
    size: int = DEFAULT_PAGE_SIZE


# --- cursors ----------------------------------------------------------------------------------------


def cursor_encode(*, last_activity_at: dt.datetime, ticket_id: int) -> str:
    micros = int(last_activity_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(f"{micros}:{ticket_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[dt.datetime, int]:
    """Raise ValidationError for a cursor we did not make (a 400, never a 500)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, ticket_id = (int(part) for part in raw.split(":"))
        moment = dt.datetime.fromtimestamp(micros / 1_000_000, tz=dt.UTC)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError, OSError) as exc:
        raise ValidationError("kursor halaman tidak valid", code="bad_cursor") from exc
    return moment, ticket_id


# --- the list ---------------------------------------------------------------------------------------


# The dates a filter accepts: the start of the first day in WITA and of the day after the last must
# still be datetimes (0001-01-01 and 9999-12-31 are not; a filter there answered 500).
FILTER_DATE_MIN = dt.date(1900, 1, 1)
FILTER_DATE_MAX = dt.date(9998, 12, 31)


def _local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def inbox_filter(*, user, query: InboxQuery) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(merged_into__isnull=True)
    if query.status == STATUS_ALL:
        pass
    elif query.status:
        tickets = tickets.filter(status=query.status)
    else:
        tickets = tickets.filter(Q(status__in=Ticket.OPEN_STATUSES) | _written_after_closing())
    if query.channel:
        tickets = tickets.filter(channel=query.channel)
    if query.topic_id:
        tickets = tickets.filter(topic_id=query.topic_id)
    if query.department_id:
        tickets = tickets.filter(department_id=query.department_id)
    if query.assigned == ASSIGNED_MINE:
        tickets = tickets.filter(assignee=user)
    elif query.assigned == ASSIGNED_NONE:
        tickets = tickets.filter(assignee__isnull=True)
    if query.waiting_official:
        tickets = tickets.filter(waiting_filter())
    if query.date_from:
        tickets = tickets.filter(created_at__gte=_local_day_start(query.date_from))
    if query.date_to:
        tickets = tickets.filter(created_at__lt=_local_day_start(query.date_to + dt.timedelta(days=1)))
    if query.q:
        tickets = tickets.filter(ticket_search_filter(query.q))
    return tickets


def _written_after_closing() -> Q:
    """Closed tickets a citizen wrote to since (a thank-you joins its closed ticket, tickets.closing):
    shown in the default view, unread, for ``CURHAT_CLOSED_GRACE_HOURS`` after that message."""
    hours = settings.CURHAT_CLOSED_GRACE_HOURS
    if not hours:
        return Q(pk__in=[])
    return Q(
        status=Ticket.Status.CLOSED,
        last_inbound_at__gt=F("closed_at"),
        last_inbound_at__gte=timezone.now() - dt.timedelta(hours=hours),
    )


def _display_name() -> Coalesce:
    """``User.get_full_name() or username`` in SQL."""
    full = Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField()))
    return Coalesce(NullIf(full, Value("")), "username")


class _RowData(TypedDict):
    """What ``_with_row_data`` annotates on each ticket (subqueries: None when nothing matches)."""

    last_reply_status: str | None
    last_read_at: dt.datetime | None
    topic_name: str | None
    assignee_name: str | None
    identity_kind: str | None
    identity_value: str | None
    preview: str | None


def _with_row_data(tickets: QuerySet[Ticket], *, user) -> QuerySet[WithAnnotations[Ticket, _RowData]]:
    """Everything a row shows, in the one query. The small things (topic name, assignee's name, the
    contact's first identity, the last reply's status, the user's read marker) are scalar
    subqueries rather than joins or prefetches: PostgreSQL plans a join to each small table in
    about half a millisecond more per table, and a prefetch is another round trip."""
    last_reply = Message.objects.filter(ticket=OuterRef("pk"), direction=Message.Direction.OUT).order_by(
        "-created_at", "-id"
    )
    read_at = TicketReadState.objects.filter(ticket=OuterRef("pk"), user=user).values("last_read_at")[:1]
    first_identity = ContactIdentity.objects.filter(contact_id=OuterRef("contact_id")).order_by(
        "created_at", "id"
    )
    assignee = get_user_model().objects.filter(pk=OuterRef("assignee_id")).annotate(display=_display_name())
    # The last message from the citizen or from a person of the office as "<direction>:<start of its
    # text>", one subquery walking the (ticket, created_at) index backwards. Notes and automatic
    # replies (outbound, no author: the acknowledgement) are skipped: the row shows what the citizen
    # asked, not "Petugas kami akan segera membalas".
    last_message = (
        Message.objects.filter(ticket=OuterRef("pk"))
        .exclude(direction=Message.Direction.NOTE)
        .exclude(direction=Message.Direction.OUT, author__isnull=True)
        .order_by("-created_at", "-id")
        .annotate(
            preview=Concat(
                "direction", Value(":"), Substr("body", 1, PREVIEW_CHARS), output_field=CharField()
            )
        )
    )
    return tickets.select_related("contact").annotate(
        preview=Subquery(last_message.values("preview")[:1]),
        last_reply_status=Subquery(last_reply.values("status")[:1]),
        last_read_at=Subquery(read_at),
        topic_name=Subquery(Topic.objects.filter(pk=OuterRef("topic_id")).values("name")[:1]),
        assignee_name=Subquery(assignee.values("display")[:1]),
        identity_kind=Subquery(first_identity.values("kind")[:1]),
        identity_value=Subquery(first_identity.values("value")[:1]),
    )


def _row(ticket: WithAnnotations[Ticket, _RowData]) -> InboxRow:
    kind, value = ticket.identity_kind, ticket.identity_value  # from the same row: both or neither
    masked = mask_identity(kind, value) if kind and value is not None else ""
    read_at = ticket.last_read_at
    unread = ticket.last_inbound_at is not None and (read_at is None or ticket.last_inbound_at > read_at)
    status = ticket.last_reply_status or ""
    label = str(Message.Status(status).label) if status in Message.Status.values else ""
    direction, _sep, preview = (ticket.preview or "").partition(":")
    return InboxRow(
        ticket,
        masked,
        unread,
        status,
        label,
        ticket.topic_name or "",
        ticket.assignee_name or "",
        " ".join(mask_numbers_in(preview).split()),
        direction == Message.Direction.OUT,
        ticket.status == Ticket.Status.CLOSED
        and ticket.last_inbound_at is not None
        and ticket.closed_at is not None
        and ticket.last_inbound_at > ticket.closed_at,
        mask_personal_text(ticket.contact.name),
    )


@contextlib.contextmanager
def _serial_plan(searching: str):
    """A searched page walks the inbox newest-first and stops after a page of matches; PostgreSQL
    tends to plan that walk in parallel, and starting the workers (about 7 ms here) costs several
    times the walk itself. Asked only for searches, inside the request's own short transaction."""
    if not searching or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def inbox_page(*, user, query: InboxQuery, cursor: str = "", size: int = DEFAULT_PAGE_SIZE) -> InboxPage:
    """One page of the inbox, newest activity first, after ``cursor`` (keyset pagination: page 200
    costs what page 1 costs)."""
    size = size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    tickets = inbox_filter(user=user, query=query)
    if cursor:
        moment, ticket_id = cursor_decode(cursor)
        # Written so the (last_activity_at, id) index gives a range start, not a full scan.
        tickets = tickets.filter(last_activity_at__lte=moment).filter(
            Q(last_activity_at__lt=moment) | Q(id__lt=ticket_id)
        )
    page = _with_row_data(tickets, user=user).order_by("-last_activity_at", "-id")[: size + 1]
    with _serial_plan(query.q):
        found = list(page)
    next_cursor = ""
    if len(found) > size:
        found = found[:size]
        last = found[-1]
        next_cursor = cursor_encode(last_activity_at=last.last_activity_at, ticket_id=last.pk)
    return InboxPage([_row(ticket) for ticket in found], next_cursor, size)


def inbox_changes(*, user, query: InboxQuery, since: dt.datetime, limit: int = 50) -> list[InboxRow]:
    """Tickets of this view changed after ``since`` (newest activity first): what polling adds.

    ``since`` is compared with ``updated_at``, written by this server when the change is stored,
    never with ``last_activity_at``: that is the provider's own time of the message (whole seconds
    for Meta, often 20 s late, days after an outage), so a message stored after the page was
    drawn but stamped before it would never be polled (issue 16)."""
    tickets = inbox_filter(user=user, query=query).filter(updated_at__gt=since)
    found = _with_row_data(tickets, user=user).order_by("-last_activity_at", "-id")[:limit]
    return [_row(ticket) for ticket in found]
