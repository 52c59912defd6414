"""What officials add to the operators' inbox (registered in ``OfficialsConfig.ready()`` through
``tickets.inbox.extensions``; the inbox does not import this app):

- on the ticket page, the escalations in the timeline and the escalation panel beside it, from one
  read of the ticket's escalations;
- in the list, "waiting on an official" also holds while an escalation is open;
- a merged ticket's escalations follow it to the surviving ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from tickets.inbox.extensions import (
    Part,
    TicketSection,
    TimelineEntry,
    register_ticket_section,
    register_waiting_condition,
    ticket_merged,
)
from tickets.models import Ticket

from . import selectors
from .forms import ApproveForm, EscalationCreateForm, ReassignForm
from .models import Escalation

PANEL_TEMPLATE = "officials/ticket_panel.html"
TIMELINE_TEMPLATE = "officials/_timeline_escalation.html"


@dataclass(frozen=True)
class EscalationItem:
    """An escalation as the ticket panel shows it, with the forms an operator may use on it."""

    escalation: Escalation
    overdue: bool
    approve_form: ApproveForm | None
    reassign_form: ReassignForm | None


def _panel_item(escalation: Escalation) -> EscalationItem:
    awaiting = escalation.status == Escalation.Status.AWAITING_APPROVAL
    is_open = escalation.status == Escalation.Status.OPEN
    return EscalationItem(
        escalation=escalation,
        overdue=escalation.is_overdue,
        approve_form=ApproveForm(initial={"answer": escalation.answer}, prefix=f"approve{escalation.pk}")
        if awaiting
        else None,
        reassign_form=ReassignForm(
            department=escalation.department,
            initial={"official": escalation.official_id},
            prefix=f"reassign{escalation.pk}",
        )
        if is_open
        else None,
    )


def ticket_panel_context(
    *,
    ticket: Ticket,
    create_form: EscalationCreateForm | None = None,
    escalations: list[Escalation] | None = None,
) -> dict:
    """Context for ``officials/ticket_panel.html`` (on the inbox's ticket page, which passes the
    ``escalations`` its timeline shows, and on the officials' own escalation page of a ticket)."""
    topic_department = ticket.topic.department_id if ticket.topic is not None else None
    initial = {"department": ticket.department_id or topic_department}
    if escalations is None:
        escalations = selectors.ticket_escalations(ticket=ticket)
    return {
        "ticket": ticket,
        "escalation_items": [_panel_item(e) for e in escalations],
        "escalation_form": create_form or EscalationCreateForm(initial=initial),
    }


def ticket_section(*, ticket: Ticket) -> TicketSection:
    """The ticket page's escalations: one read for the timeline's entries and the panel."""
    escalations = selectors.ticket_escalations(ticket=ticket)
    return TicketSection(
        timeline=[
            TimelineEntry("escalation", e.created_at, part=Part(TIMELINE_TEMPLATE, {"e": e}))
            for e in escalations
        ],
        panel=Part(PANEL_TEMPLATE, ticket_panel_context(ticket=ticket, escalations=escalations)),
    )


def open_escalation() -> Exists:
    """A ticket with an open escalation waits on an official, whatever its status says."""
    return Exists(Escalation.objects.filter(ticket=OuterRef("pk"), status=Escalation.Status.OPEN))


def escalations_follow_merge(sender, *, source: Ticket, target: Ticket, **kwargs) -> None:
    """Inside the merge's transaction: the merged ticket's escalations move with its messages."""
    Escalation.objects.filter(ticket=source).update(ticket=target)


def register() -> None:
    register_ticket_section("escalations", ticket_section)
    register_waiting_condition("open_escalation", open_escalation)
    ticket_merged.connect(escalations_follow_merge, sender=Ticket, dispatch_uid="officials-merge")
