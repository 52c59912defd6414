"""Escalation: an operator asks the competent official, the official answers (or returns the question),
and the answer is relayed to the citizen through the outbound relay on the ticket's channel.

Officials never send to providers themselves: an answer becomes an outbound ``Message`` created by
``tickets.relay.outbox.message_reply_create``, which the workers deliver.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.identities import name_without_bidi
from tickets.inbox.services import ticket_mark_unread
from tickets.knowledge.routing import official_route
from tickets.models import AuditEvent, CannedAnswer, Department, Message, Official, Ticket
from tickets.privacy.audit import audit_record
from tickets.relay.outbox import reply_length_error
from tickets.roles import official_profile
from tickets.workcalendar import office_calendar

from .models import Escalation, EscalationEvent
from .notifications import notify_after_commit

HOLDING_CANNED_SHORTCUT = "diteruskan"


def escalation_due_at(*, department: Department, start: dt.datetime) -> dt.datetime:
    """When the first answer is due: the department's service hours counted in working time."""
    return office_calendar().add_working_hours(start, department.service_hours)


def _event(escalation: Escalation, kind: str, actor=None, note: str = "") -> EscalationEvent:
    """Record a step in the escalation's history and in the audit log."""
    audit_record(
        action=AuditEvent.Action.ESCALATION,
        actor=actor,
        ticket=escalation.ticket,
        obj=escalation,
        detail={"step": kind, "department": escalation.department.code},
    )
    return EscalationEvent.objects.create(escalation=escalation, kind=kind, actor=actor, note=note)


def holding_text(*, ticket: Ticket, department: Department) -> str:
    """The citizen's holding message: the canned answer with shortcut "diteruskan" if the office has
    one, else the default text."""
    canned = CannedAnswer.objects.filter(shortcut=HOLDING_CANNED_SHORTCUT, is_active=True).first()
    template = canned.body if canned else settings.CURHAT_ESCALATION_HOLDING_TEXT
    return (
        template.replace("{nama}", name_without_bidi(ticket.contact.name) or _("Bapak/Ibu"))
        .replace("{nomor_tiket}", ticket.reference)
        .replace("{bidang}", department.name)
    )


def _relay(*, escalation: Escalation, body: str, author) -> Message:
    """The answer goes to the citizen on the ticket's channel through the outbound relay; the ticket
    counts as answered (unless another escalation is still open), its delivery is tracked on the message."""
    from tickets.relay.outbox import message_reply_create

    message = message_reply_create(
        ticket=escalation.ticket, author=author, body=body, meta={"escalation_id": escalation.pk}
    )
    escalation.relayed_message = message
    still_waiting = escalation.ticket.escalations.filter(status=Escalation.Status.OPEN).exclude(
        pk=escalation.pk
    )
    if not still_waiting.exists():
        Ticket.objects.filter(pk=escalation.ticket_id).exclude(status=Ticket.Status.CLOSED).update(
            status=Ticket.Status.ANSWERED, updated_at=timezone.now()
        )
    return message


@transaction.atomic
def escalation_create(
    *,
    ticket: Ticket,
    department: Department,
    question: str,
    requested_by,
    official: Official | None = None,
    notify_citizen: bool = False,
) -> Escalation:
    """Pass a ticket's question to the competent official; the ticket waits for the official."""
    question = (question or "").strip()
    if not question:
        raise ValidationError(_("Tuliskan pertanyaan untuk pejabat."), code="question_empty")
    if ticket.status == Ticket.Status.CLOSED:
        raise ValidationError(_("Tiket yang sudah ditutup tidak dapat diteruskan."), code="ticket_closed")
    if official is not None and not official.departments.filter(pk=department.pk).exists():
        raise ValidationError(_("Pejabat tersebut bukan dari bidang ini."), code="official_department")
    now = timezone.now()
    escalation = Escalation.objects.create(
        ticket=ticket,
        department=department,
        official=official_route(department=department, preferred=official),
        question=question,
        requested_by=requested_by,
        created_at=now,
        due_at=escalation_due_at(department=department, start=now),
    )
    _event(escalation, EscalationEvent.Kind.CREATED, requested_by, note=str(escalation.official or ""))
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.WAITING_OFFICIAL, department=department, last_activity_at=now, updated_at=now
    )
    ticket.status, ticket.department = Ticket.Status.WAITING_OFFICIAL, department
    if notify_citizen:
        from tickets.relay.outbox import message_reply_create

        message_reply_create(
            ticket=ticket, author=requested_by, body=holding_text(ticket=ticket, department=department)
        )
        # Sending a holding message must not make the ticket look answered.
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.WAITING_OFFICIAL)
    notify_after_commit(escalation.pk, "created")
    return escalation


def _lock(escalation: Escalation) -> Escalation:
    return Escalation.objects.select_for_update().select_related("ticket", "department").get(pk=escalation.pk)


def official_may_act(*, user, escalation: Escalation) -> bool:
    """Only an official (tickets.roles) of the escalation's department answers or returns it."""
    official = official_profile(user)
    return official is not None and official.departments.filter(pk=escalation.department_id).exists()


def _open_for_official(*, escalation: Escalation, user) -> Escalation:
    """Lock an escalation the official may act on and that still waits for them."""
    if not official_may_act(user=user, escalation=escalation):
        raise PermissionDenied(_("Eskalasi ini bukan untuk bidang Anda."))
    escalation = _lock(escalation)
    if escalation.status != Escalation.Status.OPEN:
        raise ValidationError(_("Eskalasi ini sudah tidak menunggu jawaban."), code="not_open")
    return escalation


@transaction.atomic
def escalation_answer(*, escalation: Escalation, user, answer: str) -> Escalation:
    """The official's answer: relayed to the citizen at once, or held for an operator's approval when
    the department asks for it."""
    escalation = _open_for_official(escalation=escalation, user=user)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("Jawaban tidak boleh kosong."), code="answer_empty")
    # The answer goes to the citizen as one message on the ticket's channel: refused here, with the
    # channel's limit, rather than accepted and then refused by the relay (or the provider). Held
    # for approval too, so the operator never gets an answer that cannot be sent.
    too_long = reply_length_error(ticket=escalation.ticket, body=answer)
    if too_long is not None:
        raise too_long
    now = timezone.now()
    escalation.answer, escalation.answered_by, escalation.answered_at = answer, user, now
    if escalation.official_id is None:
        escalation.official = official_profile(user)
    ticket = escalation.ticket
    if escalation.department.answer_needs_approval:
        escalation.status = Escalation.Status.AWAITING_APPROVAL
        _event(escalation, EscalationEvent.Kind.SUBMITTED, user)
        # Back in the operators' inbox, as an answer to approve.
        Ticket.objects.filter(pk=ticket.pk).update(
            status=Ticket.Status.OPEN, last_activity_at=now, updated_at=now
        )
        escalation.save()
        ticket_mark_unread(ticket=ticket, except_user=user)
        notify_after_commit(escalation.pk, "to_approve")
        return escalation
    escalation.status = Escalation.Status.ANSWERED
    _event(escalation, EscalationEvent.Kind.ANSWERED, user)
    _relay(escalation=escalation, body=answer, author=user)
    _event(escalation, EscalationEvent.Kind.RELAYED, user)
    escalation.save()
    ticket_mark_unread(ticket=ticket, except_user=user)
    return escalation


@transaction.atomic
def escalation_approve(*, escalation: Escalation, operator, answer: str | None = None) -> Escalation:
    """An operator approves (and may edit) an official's answer held for approval; it is relayed."""
    escalation = _lock(escalation)
    if escalation.status != Escalation.Status.AWAITING_APPROVAL:
        raise ValidationError(_("Tidak ada jawaban yang menunggu persetujuan."), code="not_awaiting")
    edited = (answer or "").strip()
    note = ""
    if edited and edited != escalation.answer:
        note = _("Jawaban disunting sebelum dikirim.")
        escalation.answer = edited
    escalation.status = Escalation.Status.ANSWERED
    _event(escalation, EscalationEvent.Kind.APPROVED, operator, note=note)
    _relay(escalation=escalation, body=escalation.answer, author=operator)
    _event(escalation, EscalationEvent.Kind.RELAYED, operator)
    escalation.save()
    return escalation


@transaction.atomic
def escalation_return(*, escalation: Escalation, user, note: str) -> Escalation:
    """The official sends the question back to the operator ("perlu nomor KK warga") instead of answering."""
    escalation = _open_for_official(escalation=escalation, user=user)
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Tuliskan alasan pengembalian untuk operator."), code="note_empty")
    now = timezone.now()
    escalation.status, escalation.return_note, escalation.answered_by = Escalation.Status.RETURNED, note, user
    escalation.answered_at = now
    escalation.save()
    _event(escalation, EscalationEvent.Kind.RETURNED, user, note=note)
    Ticket.objects.filter(pk=escalation.ticket_id).update(
        status=Ticket.Status.OPEN, last_activity_at=now, updated_at=now
    )
    ticket_mark_unread(ticket=escalation.ticket, except_user=user)
    notify_after_commit(escalation.pk, "returned")
    return escalation


@transaction.atomic
def escalation_reassign(*, escalation: Escalation, official: Official | None, actor) -> Escalation:
    """Give an open escalation to another official of its department (or back to the department)."""
    escalation = _lock(escalation)
    if escalation.status != Escalation.Status.OPEN:
        raise ValidationError(
            _("Hanya eskalasi yang masih menunggu jawaban yang dapat dialihkan."), code="not_open"
        )
    if official is not None and not official.departments.filter(pk=escalation.department_id).exists():
        raise ValidationError(_("Pejabat tersebut bukan dari bidang ini."), code="official_department")
    escalation.official = official
    escalation.save(update_fields=["official"])
    _event(escalation, EscalationEvent.Kind.ASSIGNED, actor, note=str(official or escalation.department))
    notify_after_commit(escalation.pk, "created")
    return escalation


@transaction.atomic
def escalation_cancel(*, escalation: Escalation, actor, note: str = "") -> Escalation:
    escalation = _lock(escalation)
    if escalation.status not in (Escalation.Status.OPEN, Escalation.Status.AWAITING_APPROVAL):
        raise ValidationError(_("Eskalasi ini sudah selesai."), code="finished")
    escalation.status = Escalation.Status.CANCELLED
    escalation.save(update_fields=["status"])
    _event(escalation, EscalationEvent.Kind.CANCELLED, actor, note=note)
    if not escalation.ticket.escalations.filter(status=Escalation.Status.OPEN).exists():
        Ticket.objects.filter(pk=escalation.ticket_id, status=Ticket.Status.WAITING_OFFICIAL).update(
            status=Ticket.Status.OPEN
        )
    return escalation


@transaction.atomic
def official_set_availability(*, official: Official, available: bool, actor) -> int:
    """Mark an official away (or back). Going away hands their open escalations to another available
    official of the same department; returns how many were reassigned."""
    official.is_available = available
    official.save(update_fields=["is_available"])
    if available:
        return 0
    moved = 0
    for escalation in Escalation.objects.select_for_update().filter(
        official=official, status=Escalation.Status.OPEN
    ):
        substitute = official_route(department=escalation.department)
        if substitute is not None and substitute.pk == official.pk:
            substitute = None
        escalation.official = substitute
        escalation.save(update_fields=["official"])
        _event(
            escalation,
            EscalationEvent.Kind.ASSIGNED,
            actor,
            note=_("%(name)s berhalangan") % {"name": official},
        )
        if substitute is not None:
            notify_after_commit(escalation.pk, "created")
        moved += 1
    return moved


def escalations_clock_tick(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat task body: remind officials before the due time, tell operators when it has passed.

    Each escalation is reminded once and reported overdue once (the timestamps make the task
    idempotent, so a duplicated beat tick sends nothing twice).
    """
    now = now or timezone.now()
    remind_before = dt.timedelta(hours=settings.CURHAT_ESCALATION_REMIND_BEFORE_HOURS)
    counts = {"reminded": 0, "overdue": 0}
    open_escalations = Escalation.objects.filter(status=Escalation.Status.OPEN)
    for pk in open_escalations.filter(
        reminded_at__isnull=True, due_at__gt=now, due_at__lte=now + remind_before
    ).values_list("pk", flat=True):
        with transaction.atomic():
            escalation = Escalation.objects.select_for_update().get(pk=pk)
            if escalation.reminded_at is not None or escalation.status != Escalation.Status.OPEN:
                continue
            escalation.reminded_at = now
            escalation.save(update_fields=["reminded_at"])
            _event(escalation, EscalationEvent.Kind.REMINDED)
            notify_after_commit(escalation.pk, "reminder")
            counts["reminded"] += 1
    for pk in open_escalations.filter(overdue_notified_at__isnull=True, due_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            escalation = Escalation.objects.select_for_update().get(pk=pk)
            if escalation.overdue_notified_at is not None or escalation.status != Escalation.Status.OPEN:
                continue
            escalation.overdue_notified_at = now
            escalation.save(update_fields=["overdue_notified_at"])
            _event(escalation, EscalationEvent.Kind.OVERDUE)
            notify_after_commit(escalation.pk, "overdue")
            counts["overdue"] += 1
    return counts
