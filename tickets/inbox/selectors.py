"""Reads for the operators' inbox: the filtered, searched ticket list with keyset pagination, the
ticket page's timeline, and the "what changed since" queries behind short polling.

Query shapes are the point of this module: every list and page is a fixed number of queries
whatever its length (tests pin them), and the list walks the (last_activity_at, id) index instead of
counting or offsetting through a million tickets.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils import timezone

from officials.models import Department, Official
from tickets.identities import mask_identity, normalize_phone
from tickets.inbox.extensions import TimelineEntry, waiting_filter
from tickets.models import CannedAnswer, Contact, ContactIdentity, Message, Ticket, TicketReadState, Topic
from tickets.refdata import attach, loader, refdata
from tickets.roles import INBOX_ROLES, users_with_role

STATUS_OPEN = ""  # the default view: every status that still needs work
STATUS_ALL = "semua"
ASSIGNED_ANYONE = "anyone"
ASSIGNED_MINE = "mine"
ASSIGNED_NONE = "unassigned"
PAGE_SIZES = (10, 25, 50)
DEFAULT_PAGE_SIZE = 25
# A searched word shorter than this matches too much to be useful as free text.
MIN_TEXT_SEARCH = 2
# Canned answers listed on the ticket page.
CANNED_ON_PAGE = 200


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


# --- search -----------------------------------------------------------------------------------------


def _identity_candidates(text: str) -> list[str]:
    values = {text.lower()}
    if any(ch.isdigit() for ch in text):
        with contextlib.suppress(ValidationError):
            values.add(normalize_phone(text))
    return sorted(values)


def ticket_search_filter(text: str) -> Q:
    """Tickets matching ``text``: an exact reference, phone number (any spelling) or e-mail address,
    or words of the contact's name or of any message. PostgreSQL uses full-text search ('simple'
    configuration: citizens write in Indonesian, regional languages and abbreviations, so no
    stemming); SQLite falls back to substring matching."""
    text = text.strip()
    if not text:
        return Q()
    # Naming every kind lets the (kind, value) unique index answer: a value alone is not its prefix.
    exact_contacts = ContactIdentity.objects.filter(
        kind__in=ContactIdentity.Kind.values, value__in=_identity_candidates(text)
    ).values("contact_id")
    if connection.vendor == "postgresql":
        return _postgres_search(text, exact_contacts)
    if len(text) < MIN_TEXT_SEARCH:
        return Q(reference__iexact=text) | Q(contact_id__in=exact_contacts)
    return (
        Q(reference__icontains=text)
        | Q(contact_id__in=exact_contacts)
        | Q(contact_id__in=ContactIdentity.objects.filter(value__icontains=text).values("contact_id"))
        | Q(contact__name__icontains=text)
        | Q(id__in=Message.objects.filter(body__icontains=text).values("ticket_id"))
    )


# A word matching at most this many messages (or contact names) is looked up through its GIN index
# and the matching tickets fetched by id; a commoner word is checked per ticket while walking the
# inbox newest-first, where its many matches fill a page after a few rows.
FEW_MATCHES = 2000
# Tickets found by reference, identity or a rare name (a citizen with thousands of tickets is not one).
DIRECT_MATCHES_CAP = 10_000
# The messages' stored tsvector (migration 0006, PostgreSQL only; not a model field). Unqualified, so
# that it names the message table's column inside Django's aliased subqueries too.
MESSAGE_SEARCH_COLUMN = "body_search"


# What the statistics of each searched vector are called (table or index, column).
MESSAGE_STATS = ("tickets_message", MESSAGE_SEARCH_COLUMN)
NAME_STATS = ("contact_name_fts_idx", "to_tsvector")
COMMON_WORDS_CACHE_SECONDS = 600
_COMMON_SQL = """
WITH lexemes AS (
    SELECT unnest(tsvector_to_array(to_tsvector('simple'::regconfig, %(text)s))) AS lexeme
), stats AS (
    SELECT s.tablename, s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs,
           c.reltuples
    FROM pg_stats AS s
    JOIN pg_class AS c ON c.relname = s.tablename AND c.relnamespace = to_regnamespace(s.schemaname)
    WHERE s.schemaname = current_schema()
      AND ((s.tablename = %(m_table)s AND s.attname = %(m_column)s)
        OR (s.tablename = %(n_table)s AND s.attname = %(n_column)s))
)
SELECT stats.tablename
FROM stats CROSS JOIN lexemes
GROUP BY stats.tablename
HAVING bool_and(coalesce(stats.freqs[array_position(stats.elems, lexemes.lexeme)], 0) * stats.reltuples
                > %(few)s)
"""


def _common_everywhere(text: str) -> set[str]:
    """The searched vectors (by table or index name) in which, by PostgreSQL's statistics of their
    most common words, every word of ``text`` is found in more than FEW_MATCHES rows: there the
    matches are not worth fetching (a GIN index gives none before it has found them all). One
    query on the statistics; a word they do not list is taken as rare and fetched with a cap,
    which also catches statistics that are out of date."""
    key = "curhat:search:common:" + hashlib.sha256(f"{FEW_MATCHES}:{text.lower()}".encode()).hexdigest()
    with contextlib.suppress(Exception):  # no cache: ask the statistics
        cached = cache.get(key)
        if cached is not None:
            return set(cached)
    params = {
        "text": text,
        "m_table": MESSAGE_STATS[0],
        "m_column": MESSAGE_STATS[1],
        "n_table": NAME_STATS[0],
        "n_column": NAME_STATS[1],
        "few": FEW_MATCHES,
    }
    with connection.cursor() as cursor:
        cursor.execute(_COMMON_SQL, params)
        common = {row[0] for row in cursor.fetchall()}
    with contextlib.suppress(Exception):
        # Statistics move with ANALYZE (autovacuum), not with each message: a few minutes is fresh.
        cache.set(key, sorted(common), COMMON_WORDS_CACHE_SECONDS)
    return common


def _few_matches(queryset: QuerySet, column: str) -> list[int] | None:
    """The matches' ``column`` values when there are at most FEW_MATCHES of them, else None."""
    found = list(queryset.values_list(column, flat=True)[: FEW_MATCHES + 1])
    return found if len(found) <= FEW_MATCHES else None


def _postgres_search(text: str, exact_contacts: QuerySet) -> Q:
    """Full-text search that stays fast for rare and common words alike (see FEW_MATCHES): a rare
    word becomes a short list of ticket ids (no scan of the ticket table), a common one a
    per-ticket EXISTS over the stored vectors, which the newest-first walk of the inbox satisfies
    after a few rows. Costs four to six small queries before the page's own."""
    words = SearchQuery(text, config="simple", search_type="websearch")
    stored = RawSQL(MESSAGE_SEARCH_COLUMN, [], output_field=SearchVectorField())  # noqa: S611 (a constant)
    message_hits = Message.objects.annotate(fts=stored).filter(fts=words).order_by()
    name_hits = (
        Contact.objects.annotate(fts=SearchVector("name", config="simple")).filter(fts=words).order_by()
    )
    common = _common_everywhere(text)
    by_message = None if MESSAGE_STATS[0] in common else _few_matches(message_hits, "ticket_id")
    by_name = None if NAME_STATS[0] in common else _few_matches(name_hits, "id")
    # Contact ids as a list, not a subquery: "reference = x OR contact_id IN (list)" is a bitmap OR
    # over two indexes, while an OR with a subquery would scan every ticket.
    contact_ids = set(exact_contacts.values_list("contact_id", flat=True)[:DIRECT_MATCHES_CAP])
    if by_name is not None:
        contact_ids.update(by_name)
    direct = Q(reference=text.upper())
    if contact_ids:
        direct |= Q(contact_id__in=sorted(contact_ids))
    # Reference, identity and rare-name matches: a bitmap OR over unique/contact indexes.
    ids = set(Ticket.objects.filter(direct).order_by().values_list("id", flat=True)[:DIRECT_MATCHES_CAP])
    if by_message is not None:
        ids.update(by_message)
    found = Q(id__in=sorted(ids))
    if by_message is None:
        found |= Exists(message_hits.filter(ticket_id=OuterRef("pk")))
    if by_name is None:
        found |= Exists(name_hits.filter(pk=OuterRef("contact_id")))
    return found


# --- the list ---------------------------------------------------------------------------------------


def _local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def inbox_filter(*, user, query: InboxQuery) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(merged_into__isnull=True)
    if query.status == STATUS_ALL:
        pass
    elif query.status:
        tickets = tickets.filter(status=query.status)
    else:
        tickets = tickets.filter(status__in=Ticket.OPEN_STATUSES)
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


def _display_name() -> Coalesce:
    """``User.get_full_name() or username`` in SQL."""
    full = Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField()))
    return Coalesce(NullIf(full, Value("")), "username")


def _with_row_data(tickets: QuerySet[Ticket], *, user) -> QuerySet[Ticket]:
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
    return tickets.select_related("contact").annotate(
        last_reply_status=Subquery(last_reply.values("status")[:1]),
        last_read_at=Subquery(read_at),
        topic_name=Subquery(Topic.objects.filter(pk=OuterRef("topic_id")).values("name")[:1]),
        assignee_name=Subquery(assignee.values("display")[:1]),
        identity_kind=Subquery(first_identity.values("kind")[:1]),
        identity_value=Subquery(first_identity.values("value")[:1]),
    )


def _row(ticket: Ticket) -> InboxRow:
    masked = mask_identity(ticket.identity_kind, ticket.identity_value) if ticket.identity_kind else ""
    read_at = ticket.last_read_at
    unread = ticket.last_inbound_at is not None and (read_at is None or ticket.last_inbound_at > read_at)
    status = ticket.last_reply_status or ""
    label = str(Message.Status(status).label) if status in Message.Status.values else ""
    return InboxRow(
        ticket, masked, unread, status, label, ticket.topic_name or "", ticket.assignee_name or ""
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
    """Tickets of this view with activity after ``since`` (newest first): what polling adds."""
    tickets = inbox_filter(user=user, query=query).filter(last_activity_at__gt=since)
    found = _with_row_data(tickets, user=user).order_by("-last_activity_at", "-id")[:limit]
    return [_row(ticket) for ticket in found]


# --- the ticket page --------------------------------------------------------------------------------


def _attach_reference_data(tickets: list[Ticket]) -> None:
    """Give tickets their topic, department and assignee from the reference data cache instead of
    joining their tables (each join costs PostgreSQL's planner about half a millisecond)."""
    topics = {topic.pk: topic for topic in active_topics()}
    departments = {department.pk: department for department in active_departments()}
    operators = {user.pk: user for user in inbox_operators()}
    for ticket in tickets:
        attach(ticket, "topic", topics)
        attach(ticket, "department", departments)
        attach(ticket, "assignee", operators)


def ticket_for_page(*, ticket_id: int) -> Ticket:
    # Not "merged_into": rarely set, read only then.
    ticket = Ticket.objects.select_related("contact", "account").get(pk=ticket_id)
    _attach_reference_data([ticket])
    return ticket


# What the timeline shows of a message (tickets.inbox.fragments.message_html): reading only these
# spares decoding provider ids, keys and timestamps nobody looks at, 50 times a page.
TIMELINE_MESSAGE_FIELDS = (
    "ticket_id",
    "direction",
    "kind",
    "channel",
    "body",
    "status",
    "error_code",
    "error_text",
    "meta",
    "created_at",
    "author__first_name",
    "author__last_name",
    "author__username",
)


def ticket_messages(*, ticket: Ticket, after_id: int = 0) -> QuerySet[Message]:
    return (
        Message.objects.filter(ticket=ticket, id__gt=after_id)
        .select_related("author")
        .only(*TIMELINE_MESSAGE_FIELDS)
        # As a plain list: fifty ``.all()`` querysets built from the prefetch cost a millisecond.
        .prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
        .order_by("created_at", "id")
    )


def ticket_timeline(*, ticket: Ticket, extra: Iterable[TimelineEntry] = ()) -> list[TimelineEntry]:
    """The whole conversation across channels: messages (in, out, notes, calls) and the ``extra``
    entries the page's sections add (escalations: the question, then the official's answer), in
    time order; at the same moment a message comes first."""
    entries = [TimelineEntry("message", m.created_at, message=m) for m in ticket_messages(ticket=ticket)]
    entries += extra
    entries.sort(key=lambda entry: (entry.at, entry.kind != "message"))
    return entries


def contact_identities(*, contact: Contact) -> list[dict[str, Any]]:
    return [
        {
            "kind": identity.kind,
            "label": identity.get_kind_display(),
            "masked": mask_identity(identity.kind, identity.value),
        }
        for identity in contact.identities.order_by("created_at", "id")
    ]


def contact_other_tickets(*, ticket: Ticket, limit: int = 20) -> list[Ticket]:
    others = list(
        Ticket.objects.filter(contact_id=ticket.contact_id)
        .exclude(pk=ticket.pk)
        .order_by("-last_activity_at", "-id")[:limit]
    )
    _attach_reference_data(others)
    return others


def ticket_updates(*, ticket_id: int, after_id: int) -> tuple[list[Message], dict[int, dict[str, str]]]:
    """What polling on the ticket page needs: messages after ``after_id``, and the current state of
    every outbound message (delivery status moves after sending)."""
    new = list(ticket_messages(ticket=Ticket(pk=ticket_id), after_id=after_id))
    states = {
        pk: {
            "status": status,
            "label": str(Message.Status(status).label),
            "error": (code + " " + text).strip(),
        }
        for pk, status, code, text in Message.objects.filter(
            ticket_id=ticket_id, direction=Message.Direction.OUT
        ).values_list("id", "status", "error_code", "error_text")
    }
    return new, states


# --- reference lists for the forms ------------------------------------------------------------------


@loader("operators")
def _operators() -> list:
    return list(users_with_role(*INBOX_ROLES).order_by("first_name", "username"))


@loader("topics")
def _topics() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True).select_related("department"))


@loader("departments")
def _departments() -> list[Department]:
    return list(Department.objects.filter(is_active=True))


@loader("officials")
def _officials() -> list[Official]:
    """Active officials with their users, each with ``department_ids`` (the escalation forms)."""
    officials = list(
        Official.objects.filter(user__is_active=True).select_related("user").prefetch_related("departments")
    )
    for official in officials:
        official.department_ids = frozenset(d.pk for d in official.departments.all())
    return officials


@loader("canned")
def _canned() -> list[CannedAnswer]:
    return list(CannedAnswer.objects.filter(is_active=True).order_by("title")[:CANNED_ON_PAGE])


def inbox_operators() -> list:
    """Who a ticket can be assigned to: active operators and admins (cached, ``tickets.refdata``)."""
    return refdata("operators")


def active_topics() -> list[Topic]:
    return refdata("topics")


def active_departments() -> list[Department]:
    return refdata("departments")


def canned_answers_for_page() -> list[CannedAnswer]:
    """The canned answers listed on the ticket page (cached; the search box filters them there)."""
    return refdata("canned")


def canned_answers(*, text: str = "", topic_id: int | None = None, limit: int = 50) -> list[CannedAnswer]:
    answers = CannedAnswer.objects.filter(is_active=True)
    if text:
        answers = answers.filter(
            Q(title__icontains=text) | Q(body__icontains=text) | Q(shortcut__iexact=text)
        )
    if topic_id:
        answers = answers.filter(Q(topic_id=topic_id) | Q(topic__isnull=True))
    return list(answers.order_by("title")[:limit])


@dataclass
class ReplyChannelOption:
    channel: str
    label: str
    freeform: bool
    default: bool = False
    notes: list[str] = field(default_factory=list)


# Which channel reaches a contact through which identity kind.
IDENTITY_CHANNELS = {
    ContactIdentity.Kind.PHONE: "whatsapp",
    ContactIdentity.Kind.WHATSAPP_USER: "whatsapp",
    ContactIdentity.Kind.EMAIL: "email",
    ContactIdentity.Kind.FACEBOOK_PSID: "facebook",
}


def reply_channel_options(*, ticket: Ticket, identity_kinds: list[str]) -> list[ReplyChannelOption]:
    """The channels a reply can go out on (the ticket's own first), each with whether free text may
    be sent now (the WhatsApp/Messenger 24-hour window)."""
    from channels import senders
    from tickets.models import Channel

    own = senders.reply_channel(ticket.channel)
    channels = [
        own,
        *sorted({IDENTITY_CHANNELS[k] for k in identity_kinds if k in IDENTITY_CHANNELS} - {own}),
    ]
    options = []
    for channel in channels:
        options.append(
            ReplyChannelOption(
                channel=channel,
                label=str(Channel(channel).label) if channel in Channel.values else channel,
                freeform=senders.can_send_freeform(ticket, channel),
                default=channel == own,
            )
        )
    return options
