"""Escalation to the competent official: routing, clocks, the queue, answers relayed, approval,
returns, reminders and absence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from officials.models import Escalation, EscalationEvent
from officials.services import (
    escalation_answer,
    escalation_approve,
    escalation_create,
    escalation_due_at,
    escalation_reassign,
    escalation_return,
    escalations_clock_tick,
    official_set_availability,
)
from tickets.ingest import ticket_ingest
from tickets.models import Department, Message, Ticket

from ..factories import inbound
from ..support import at_wita

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    return ticket_ingest(
        message=inbound(text="Akta kelahiran anak saya salah nama ibu, bisa dibetulkan?")
    ).ticket


def _escalate(ticket, office, code="capil", **kwargs):
    return escalation_create(
        ticket=ticket,
        department=Department.objects.get(code=code),
        question="Bisakah pembetulan akta tanpa pengadilan?",
        requested_by=office["operator"],
        **kwargs,
    )


def test_due_time_counts_working_hours_in_wita_skipping_weekends(office):
    capil = Department.objects.get(code="capil")
    capil.service_hours = 24  # 3 working days of 8 hours
    # Friday 15:00 WITA: 1 h left on Friday, then Mon, Tue full (16 h), then 7 h into Wednesday.
    due = escalation_due_at(department=capil, start=at_wita(2026, 3, 6, 15, 0))
    assert due == at_wita(2026, 3, 11, 15, 0)
    # Outside office hours (Saturday night), the clock starts Monday 08:00.
    assert escalation_due_at(department=capil, start=at_wita(2026, 3, 7, 22, 0)) == at_wita(
        2026, 3, 11, 8, 0
    ) + dt.timedelta(hours=8)


def test_due_time_skips_public_holidays(office):
    from reports.services import workday_calendar_rebuild
    from tickets.models import PublicHoliday

    PublicHoliday.objects.create(date=dt.date(2026, 3, 9), name="Libur")
    workday_calendar_rebuild()
    capil = Department.objects.get(code="capil")
    capil.service_hours = 8
    assert escalation_due_at(department=capil, start=at_wita(2026, 3, 6, 16, 0)) == at_wita(
        2026, 3, 10, 16, 0
    )


def test_escalating_routes_to_the_default_official_and_notifies_them(
    office, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        escalation = _escalate(ticket, office)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING_OFFICIAL
    assert ticket.department.code == "capil"
    assert escalation.official == office["capil"]
    assert escalation.due_at > escalation.created_at
    assert list(escalation.events.values_list("kind", flat=True)) == ["created"]
    assert [m.to for m in mail.outbox] == [["capil@example.org"]]
    assert ticket.reference in mail.outbox[0].subject
    # The e-mail never carries the citizen's words.
    assert "salah nama ibu" not in mail.outbox[0].body


def test_an_official_whose_role_was_revoked_is_neither_routed_to_nor_offered(
    office, ticket, django_capture_on_commit_callbacks
):
    """Found from outside: with the "official" group removed (the Official record kept), new
    escalations still went to them and the forms still offered them, though every page refuses them:
    an escalation nobody could answer. Routing, choices and e-mails follow the role as pages do."""
    from officials.selectors import department_officials
    from tickets.knowledge.routing import official_route
    from tickets.refdata import refdata

    office["capil"].user.groups.clear()
    capil = Department.objects.get(code="capil")
    assert official_route(department=capil) == office["capil_deputy"]
    assert official_route(department=capil, preferred=office["capil"]) == office["capil_deputy"]
    assert list(department_officials(department=capil)) == [office["capil_deputy"]]
    with django_capture_on_commit_callbacks(execute=True):
        escalation = _escalate(ticket, office)
    assert escalation.official == office["capil_deputy"]
    assert [m.to for m in mail.outbox] == [["deputy@example.org"]]
    assert office["capil"].pk not in {official.pk for official in refdata("officials")}


def test_holding_message_goes_to_the_citizen_on_request(office, ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _escalate(ticket, office, notify_citizen=True)
    holding = Message.objects.get(ticket=ticket, direction=Message.Direction.OUT)
    assert ticket.reference in holding.body and "Pencatatan Sipil" in holding.body
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING_OFFICIAL


def test_bad_escalations_are_refused(office, ticket):
    with pytest.raises(ValidationError):
        _escalate(ticket, office, official=office["dafduk"])  # not of Capil
    with pytest.raises(ValidationError):
        escalation_create(
            ticket=ticket,
            department=Department.objects.get(code="capil"),
            question="  ",
            requested_by=office["operator"],
        )
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    ticket.refresh_from_db()
    with pytest.raises(ValidationError):
        _escalate(ticket, office)
    assert Escalation.objects.count() == 0


def test_answer_is_relayed_to_the_citizen_on_the_tickets_channel(
    office, ticket, django_capture_on_commit_callbacks
):
    escalation = _escalate(ticket, office)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_answer(
            escalation=escalation, user=office["capil"].user, answer="Bisa, bawa akta asli dan KK."
        )
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.ANSWERED and escalation.answered_by == office["capil"].user
    relayed = escalation.relayed_message
    assert relayed.direction == Message.Direction.OUT and relayed.channel == ticket.channel
    assert relayed.body == "Bisa, bawa akta asli dan KK." and relayed.meta["escalation_id"] == escalation.pk
    assert relayed.status in (Message.Status.SENT, Message.Status.QUEUED)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.ANSWERED
    assert list(escalation.events.values_list("kind", flat=True)) == ["created", "answered", "relayed"]


def test_an_official_of_another_department_cannot_answer(office, ticket):
    escalation = _escalate(ticket, office)
    with pytest.raises(PermissionDenied):
        escalation_answer(escalation=escalation, user=office["dafduk"].user, answer="...")
    # Another official of the same department can.
    escalation_answer(escalation=escalation, user=office["capil_deputy"].user, answer="Bisa.")


def test_approval_variant_holds_the_answer_for_an_operator(
    office, ticket, django_capture_on_commit_callbacks
):
    Department.objects.filter(code="capil").update(answer_needs_approval=True)
    escalation = _escalate(ticket, office)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_answer(escalation=escalation, user=office["capil"].user, answer="Bisa, bawa akta asli.")
    escalation.refresh_from_db()
    ticket.refresh_from_db()
    assert escalation.status == Escalation.Status.AWAITING_APPROVAL
    assert ticket.status == Ticket.Status.OPEN  # back in the operators' inbox
    assert not Message.objects.filter(ticket=ticket, direction="out").exists()
    assert mail.outbox[-1].to == ["op@example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        escalation_approve(
            escalation=escalation, operator=office["operator"], answer="Bisa, Bu. Bawa akta asli dan KK."
        )
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.ANSWERED
    assert escalation.relayed_message.body == "Bisa, Bu. Bawa akta asli dan KK."
    assert escalation.relayed_message.author == office["operator"]
    kinds = list(escalation.events.values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "approved", "relayed"]
    with pytest.raises(ValidationError):
        escalation_approve(escalation=escalation, operator=office["operator"])  # twice changes nothing


def test_return_sends_it_back_to_the_operator(office, ticket, django_capture_on_commit_callbacks):
    escalation = _escalate(ticket, office)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_return(escalation=escalation, user=office["capil"].user, note="Perlu nomor KK warga.")
    escalation.refresh_from_db()
    ticket.refresh_from_db()
    assert (
        escalation.status == Escalation.Status.RETURNED and escalation.return_note == "Perlu nomor KK warga."
    )
    assert ticket.status == Ticket.Status.OPEN
    assert mail.outbox[-1].to == ["op@example.org"]
    with pytest.raises(ValidationError):
        escalation_answer(escalation=escalation, user=office["capil"].user, answer="late")


def test_reminder_before_due_and_overdue_notice_once_each(office, ticket, django_capture_on_commit_callbacks):
    escalation = _escalate(ticket, office)
    mail.outbox.clear()
    before_due = escalation.due_at - dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_clock_tick(now=escalation.due_at - dt.timedelta(hours=10)) == {
            "reminded": 0,
            "overdue": 0,
        }
        assert escalations_clock_tick(now=before_due) == {"reminded": 1, "overdue": 0}
        assert escalations_clock_tick(now=before_due) == {"reminded": 0, "overdue": 0}
    assert [m.to for m in mail.outbox] == [["capil@example.org"]]
    assert "Pengingat" in mail.outbox[0].subject
    after_due = escalation.due_at + dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalations_clock_tick(now=after_due) == {"reminded": 0, "overdue": 1}
        assert escalations_clock_tick(now=after_due) == {"reminded": 0, "overdue": 0}
    assert sorted(mail.outbox[-1].to) == ["capil@example.org", "op@example.org"]
    assert "melewati jatuh tempo" in mail.outbox[-1].subject
    assert list(escalation.events.values_list("kind", flat=True)) == ["created", "reminded", "overdue"]


def test_official_away_hands_open_escalations_to_a_colleague(
    office, ticket, django_capture_on_commit_callbacks
):
    escalation = _escalate(ticket, office)
    with django_capture_on_commit_callbacks(execute=True):
        moved = official_set_availability(
            official=office["capil"], available=False, actor=office["capil"].user
        )
    assert moved == 1
    escalation.refresh_from_db()
    assert escalation.official == office["capil_deputy"]
    assert mail.outbox[-1].to == ["deputy@example.org"]
    # New escalations skip the absent default official too.
    second = _escalate(ticket_ingest(message=inbound(sender="081299990000")).ticket, office)
    assert second.official == office["capil_deputy"]
    assert escalation.events.filter(kind=EscalationEvent.Kind.ASSIGNED).exists()


def test_reassign_only_within_the_department(office, ticket):
    escalation = _escalate(ticket, office)
    escalation_reassign(escalation=escalation, official=office["capil_deputy"], actor=office["operator"])
    escalation.refresh_from_db()
    assert escalation.official == office["capil_deputy"]
    with pytest.raises(ValidationError):
        escalation_reassign(escalation=escalation, official=office["piak"], actor=office["operator"])


def test_every_escalation_step_is_audit_logged(office, ticket):
    from tickets.models import AuditEvent

    escalation = _escalate(ticket, office)
    escalation_return(escalation=escalation, user=office["capil"].user, note="Perlu KK")
    steps = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.ESCALATION)
        .order_by("at", "id")
        .values_list("detail__step", "actor_name", "ticket_reference")
    )
    assert steps == [("created", "op", ticket.reference), ("returned", "kabid.capil", ticket.reference)]
