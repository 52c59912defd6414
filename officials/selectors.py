"""Reads for the officials' queue and the escalation panel on the ticket page."""

from __future__ import annotations

from django.db.models import QuerySet

from tickets.models import Department, Message, Official, Ticket
from tickets.refdata import attach, refdata
from tickets.roles import acting_officials, official_profile

from .models import Escalation


def official_departments(*, user) -> QuerySet[Department]:
    """The departments ``user`` answers for (none unless they hold the official role)."""
    official = official_profile(user)
    if official is None:
        return Department.objects.none()
    return official.departments.all()


def escalation_queue(*, user, status: str = Escalation.Status.OPEN) -> QuerySet[Escalation]:
    """The escalations an official may see: their departments' only, soonest due first."""
    return (
        Escalation.objects.filter(department__in=official_departments(user=user), status=status)
        .select_related("ticket", "ticket__topic", "department", "official__user")
        .order_by("due_at", "pk")
    )


def escalation_open_count(*, user) -> int:
    return Escalation.objects.filter(
        department__in=official_departments(user=user), status=Escalation.Status.OPEN
    ).count()


def escalation_for_official(*, user, pk: int) -> Escalation | None:
    """One escalation, only if it belongs to one of the official's departments."""
    return (
        Escalation.objects.filter(pk=pk, department__in=official_departments(user=user))
        .select_related(
            "ticket", "ticket__contact", "ticket__topic", "department", "official__user", "requested_by"
        )
        .first()
    )


def ticket_public_timeline(*, ticket: Ticket) -> QuerySet[Message]:
    """What an official reads of the ticket: the conversation with the citizen (no internal notes)."""
    return (
        ticket.messages.exclude(direction=Message.Direction.NOTE)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def ticket_escalations(*, ticket: Ticket) -> list[Escalation]:
    """A ticket's escalations with their history, for its timeline and escalation panel.

    Departments, officials and the staff who asked, answered or acted come from the reference
    data cache (``tickets.refdata``) rather than from five joins, which cost PostgreSQL's planner
    more than the two rows they add to; anyone not there (a former colleague) is read when shown."""
    escalations = list(ticket.escalations.prefetch_related("events").order_by("created_at", "pk"))
    if not escalations:
        return escalations
    departments = {department.pk: department for department in refdata("departments")}
    officials = {official.pk: official for official in refdata("officials")}
    staff = {user.pk: user for user in refdata("operators")}
    staff.update((official.user.pk, official.user) for official in officials.values())
    for escalation in escalations:
        attach(escalation, "department", departments)
        attach(escalation, "official", officials)
        attach(escalation, "requested_by", staff)
        attach(escalation, "answered_by", staff)
        for event in escalation.events.all():
            attach(event, "actor", staff)
    return escalations


def department_officials(*, department: Department) -> QuerySet[Official]:
    return acting_officials(department.officials.all()).select_related("user").order_by("user__first_name")
