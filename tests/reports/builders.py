"""Fast test data for reports: tickets by bulk_create with pre-allocated references."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

from tickets.models import Contact, Ticket

OFFICE_JSON = Path("/work/shared/data/parepare-tallies-2020-2021.json")
if not OFFICE_JSON.exists():  # a copy travels with the tests for machines without /work/shared
    OFFICE_JSON = Path(__file__).with_name("parepare-tallies-2020-2021.json")

_numbers = itertools.count(1)


def office_figures() -> dict:
    return json.loads(OFFICE_JSON.read_text(encoding="utf-8"))


def make_tickets(
    specs: list[tuple[dt.datetime, str]], *, contact: Contact | None = None, **fields
) -> list[Ticket]:
    """One ticket per (created_at, channel); references are unique without touching TicketSequence."""
    contact = contact or Contact.objects.create(name="Warga Uji")
    tickets: list[Ticket] = []
    for created_at, channel in specs:
        n = next(_numbers)
        tickets.append(
            Ticket(
                reference=f"CA-9{n:08d}",
                year=9000 + n // 900000,
                number=n,
                contact=contact,
                channel=channel,
                created_at=created_at,
                last_activity_at=created_at,
                tracking_token=f"tok-{n}-{id(tickets)}",
                **fields,
            )
        )
    return Ticket.objects.bulk_create(tickets, batch_size=1000)
