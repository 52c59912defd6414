"""What other apps add to the inbox, without the inbox knowing them (DESIGN §1: the core imports
none of ``officials``, ``channels``, ``reports``; they register here from their ``AppConfig.ready()``).

- **Ticket-page sections.** A section reader gets the ticket and returns, from one read, its entries
  for the timeline and its panel beside it. Both are :class:`Part` objects: a template rendered
  within the page's context plus the part's own (as ``{% include %}`` would), by
  ``{% render_part %}`` (``tickets/templatetags/inbox_parts.py``).
- **The "waiting on an official" filter.** The list shows tickets whose status says so, or for
  which a registered condition (an ``Exists`` over the tickets' ``pk``) holds.
- **``ticket_merged``**, sent inside the merge's transaction (``sender=Ticket``, ``source``,
  ``target``, ``by``): apps that keep rows per ticket move them to the surviving ticket there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Q
from django.dispatch import Signal

from tickets.models import Message, Ticket

# Sent by tickets.inbox.services.ticket_merge inside its transaction, after the messages moved.
ticket_merged = Signal()


@dataclass(frozen=True)
class Part:
    """A piece of the ticket page: ``template`` rendered with the page's context and ``context``."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class TimelineEntry:
    """One item of the ticket's timeline: a message (its fragment filled in by the page's view) or
    an entry a section added (rendered from its ``part``)."""

    kind: str  # "message", or what the section calls its entries ("escalation")
    at: dt.datetime
    message: Message | None = None
    part: Part | None = None
    html: str = ""  # a message's fragment (tickets.inbox.fragments)


@dataclass
class TicketSection:
    """What one app adds to the ticket page."""

    timeline: list[TimelineEntry] = field(default_factory=list)
    panel: Part | None = None


SectionReader = Callable[..., TicketSection]  # (*, ticket: Ticket) -> TicketSection
WaitingCondition = Callable[[], Q | Exists]  # a condition on Ticket rows, OR-ed into the filter

_sections: dict[str, SectionReader] = {}
_waiting: dict[str, WaitingCondition] = {}


def register_ticket_section(name: str, reader: SectionReader) -> None:
    """Add a section to every ticket page; panels appear in the order of registration (a name
    registered again keeps its place)."""
    _sections[name] = reader


def register_waiting_condition(name: str, condition: WaitingCondition) -> None:
    """Add a reason for a ticket to count as waiting on an official."""
    _waiting[name] = condition


def ticket_sections(*, ticket: Ticket) -> list[TicketSection]:
    return [reader(ticket=ticket) for reader in _sections.values()]


def waiting_filter() -> Q:
    """Tickets waiting on an official: their status says so, or a registered condition holds."""
    waiting = Q(status=Ticket.Status.WAITING_OFFICIAL)
    for condition in _waiting.values():
        # In a Q of its own: an Exists combines into the same OR (Q(x) | Q(y) flattens to x OR y).
        waiting |= Q(condition())
    return waiting
