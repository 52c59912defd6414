"""Writes operators make from the inbox: assign/claim, topic and department, resolve/close/reopen,
merging tickets and contacts, marking a ticket read, and bulk actions over several tickets.

Replies and retries live in ``tickets.relay.outbox``, notes in ``tickets.relay.notes``; this module only
changes who handles a ticket and where it stands. Every function is keyword-only and runs in one
transaction; a bad request raises ``ValidationError`` with a reason the operator can read.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.inbox.extensions import ticket_merged
from tickets.models import Contact, ContactIdentity, Department, Message, Ticket, TicketReadState, Topic
from tickets.relay.notes import message_note_create
from tickets.roles import can_use_inbox


def _locked(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket_id)


def _save(ticket: Ticket, *fields: str) -> Ticket:
    ticket.save(update_fields=[*fields, "updated_at"])
    return ticket


def ticket_assign(*, ticket: Ticket, assignee, by=None) -> Ticket:
    """Give the ticket to an operator (``assignee=None`` unassigns)."""
    if assignee is not None and not can_use_inbox(assignee):
        raise ValidationError(_("Tiket hanya bisa diberikan kepada operator."), code="not_operator")
    with transaction.atomic():
        locked = _locked(ticket.pk)
        locked.assignee = assignee
        if assignee is not None and locked.status == Ticket.Status.NEW:
            locked.status = Ticket.Status.OPEN
            return _save(locked, "assignee", "status")
        return _save(locked, "assignee")


def ticket_claim(*, ticket: Ticket, user) -> Ticket:
    return ticket_assign(ticket=ticket, assignee=user, by=user)


def ticket_categorize(*, ticket: Ticket, topic: Topic | None, department: Department | None = None) -> Ticket:
    """Set the topic and department; without an explicit department the topic's own is used."""
    with transaction.atomic():
        locked = _locked(ticket.pk)
        locked.topic = topic
        locked.department = department or (topic.department if topic is not None else None)
        return _save(locked, "topic", "department")


# Target status → the timestamps it sets (and which it clears). A mapping, not an if-chain.
_STATUS_MOVES: dict[str, tuple[Ticket.Status, dict[str, str | None]]] = {
    "resolve": (Ticket.Status.RESOLVED, {"resolved_at": "now"}),
    "close": (Ticket.Status.CLOSED, {"closed_at": "now"}),
    "reopen": (Ticket.Status.OPEN, {"resolved_at": None, "closed_at": None}),
}
STATUS_ACTIONS = tuple(_STATUS_MOVES)


def ticket_status_stamps(ticket: Ticket, *, now=None) -> list[str]:
    """Set on ``ticket`` (not saved) the timestamps its status calls for, as ``ticket_set_status``
    does: resolved → resolved_at; closed → closed_at (and resolved_at if unset); any other status
    clears both. For a status changed elsewhere (the admin, issue 16 re-test N5: a ticket closed
    there had no closed_at, so the after-closing grace rule did not know it was closed). Returns the
    fields set."""
    now = now or timezone.now()
    if ticket.status == Ticket.Status.RESOLVED:
        ticket.resolved_at = now
        return ["resolved_at"]
    if ticket.status == Ticket.Status.CLOSED:
        ticket.closed_at = now
        if ticket.resolved_at is None:
            ticket.resolved_at = now
        return ["closed_at", "resolved_at"]
    ticket.resolved_at = ticket.closed_at = None
    return ["resolved_at", "closed_at"]


def ticket_set_status(*, ticket: Ticket, action: str) -> Ticket:
    if action not in _STATUS_MOVES:
        raise ValidationError(_("Tindakan status tidak dikenal."), code="bad_action")
    status, stamps = _STATUS_MOVES[action]
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(ticket.pk)
        if locked.merged_into_id:
            raise ValidationError(_("Tiket ini sudah digabung ke tiket lain."), code="merged")
        locked.status = status
        for field, value in stamps.items():
            setattr(locked, field, now if value == "now" else value)
        fields = [*stamps]
        if status == Ticket.Status.CLOSED and locked.resolved_at is None:
            locked.resolved_at = now
            fields.append("resolved_at")
        return _save(locked, "status", *fields)


def ticket_merge(*, source: Ticket, target: Ticket, by=None) -> Ticket:
    """Fold ``source`` into ``target`` (same citizen): its messages move (and, through
    ``ticket_merged``, what other apps keep per ticket: escalations), it is closed and points at
    ``target``; both timelines read as one from then on."""
    if source.pk == target.pk:
        raise ValidationError(_("Tiket tidak bisa digabung dengan dirinya sendiri."), code="same_ticket")
    with transaction.atomic():
        # Lock in id order so two operators merging the same pair both ways cannot deadlock.
        locked = {
            t.pk: t
            for t in Ticket.objects.select_for_update().filter(pk__in=(source.pk, target.pk)).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.merged_into_id or target.merged_into_id:
            raise ValidationError(_("Salah satu tiket sudah digabung sebelumnya."), code="already_merged")
        if source.contact_id != target.contact_id:
            raise ValidationError(
                _("Tiket milik kontak yang berbeda: gabungkan kontaknya dulu."), code="different_contact"
            )
        Message.objects.filter(ticket=source).update(ticket=target)
        # Other apps move what they keep per ticket (officials: the escalations).
        ticket_merged.send(sender=Ticket, source=source, target=target, by=by)
        TicketReadState.objects.filter(ticket=source).delete()
        now = timezone.now()
        target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
        inbound = [t for t in (target.last_inbound_at, source.last_inbound_at) if t]
        target.last_inbound_at = max(inbound) if inbound else None
        target.topic_id = target.topic_id or source.topic_id
        target.department_id = target.department_id or source.department_id
        target.assignee_id = target.assignee_id or source.assignee_id
        if target.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED) and source.is_open:
            target.status, target.resolved_at, target.closed_at = Ticket.Status.OPEN, None, None
        _save(
            target,
            "last_activity_at",
            "last_inbound_at",
            "topic",
            "department",
            "assignee",
            "status",
            "resolved_at",
            "closed_at",
        )
        source.merged_into = target
        source.status = Ticket.Status.CLOSED
        source.closed_at = now
        _save(source, "merged_into", "status", "closed_at")
        message_note_create(
            ticket=target,
            author=by,
            body=_("Tiket %(source)s digabung ke tiket ini.") % {"source": source.reference},
            meta={"merged_ticket": source.pk},
        )
    return target


def contact_merge(*, source: Contact, target: Contact, by=None) -> Contact:
    """Fold the ``source`` contact into ``target``: identities and tickets move to the survivor;
    ``source`` stays as a pointer (``merged_into``) so later lookups follow it."""
    if source.pk == target.pk:
        raise ValidationError(_("Kontak tidak bisa digabung dengan dirinya sendiri."), code="same_contact")
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Contact.objects.select_for_update().filter(pk__in=(source.pk, target.pk)).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.merged_into_id or target.merged_into_id:
            raise ValidationError(_("Salah satu kontak sudah digabung sebelumnya."), code="already_merged")
        ContactIdentity.objects.filter(contact=source).update(contact=target)
        Ticket.objects.filter(contact=source).update(contact=target, updated_at=timezone.now())
        # Earlier merges into the source now point at the survivor directly (no chains to walk).
        Contact.objects.filter(merged_into=source).update(merged_into=target)
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        if not target.name and source.name:
            target.name = source.name
            target.save(update_fields=["name", "updated_at"])
    return target


def ticket_mark_read(*, ticket: Ticket, user) -> None:
    """Remember when ``user`` last opened the ticket (one upsert statement)."""
    TicketReadState.objects.bulk_create(
        [TicketReadState(user=user, ticket=ticket, last_read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "ticket"],
        update_fields=["last_read_at"],
    )


def ticket_mark_unread(*, ticket: Ticket, except_user=None) -> None:
    """Something the operators must see happened on the ticket that is not a citizen's message (an
    official answered or sent the question back): it shows as unread again for every staff user who
    had read it, except ``except_user`` (who did it). The list's unread marker is "the latest citizen
    message came after this user's read marker, or there is no marker": forgetting the markers is
    what makes it unread; opening the ticket sets a new one."""
    markers = TicketReadState.objects.filter(ticket=ticket)
    if except_user is not None:
        markers = markers.exclude(user=except_user)
    markers.delete()


BULK_ACTIONS = ("assign", "topic", "close")


def tickets_bulk_update(
    *, ticket_ids: Iterable[int], action: str, assignee=None, topic: Topic | None = None, by=None
) -> int:
    """Apply one action to several tickets; returns how many changed. Merged tickets are skipped."""
    ids = sorted({int(pk) for pk in ticket_ids})
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Tindakan massal tidak dikenal."), code="bad_action")
    if not ids:
        raise ValidationError(_("Pilih minimal satu tiket."), code="no_tickets")
    if action == "assign" and assignee is not None and not can_use_inbox(assignee):
        raise ValidationError(_("Tiket hanya bisa diberikan kepada operator."), code="not_operator")
    now = timezone.now()
    tickets = Ticket.objects.filter(pk__in=ids, merged_into__isnull=True)
    with transaction.atomic():
        if action == "assign":
            changed = tickets.update(assignee=assignee, updated_at=now)
            if assignee is not None:
                tickets.filter(status=Ticket.Status.NEW).update(status=Ticket.Status.OPEN)
            return changed
        if action == "topic":
            return tickets.update(
                topic=topic, department=topic.department if topic is not None else None, updated_at=now
            )
        tickets.filter(resolved_at__isnull=True).update(resolved_at=now)
        return tickets.exclude(status=Ticket.Status.CLOSED).update(
            status=Ticket.Status.CLOSED, closed_at=now, updated_at=now
        )
