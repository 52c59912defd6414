"""Handlers for the normalized item types added after ``channels.processing``'s own table: each has
the ``ITEM_HANDLERS`` signature ``(item, account, event, report)`` and calls one ticket service.

``item_handlers_register`` adds them to a handler table (``ChannelsConfig.ready`` passes
``channels.processing.ITEM_HANDLERS``); a handler already in the table is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from tickets.identities import contact_identity_change_apply
from tickets.inbound import IdentityChange


def _apply_identity_change(item: IdentityChange, account, event, report) -> None:
    """A citizen's new number (WhatsApp "user changed number"): another identity of the same
    contact, no ticket."""
    if contact_identity_change_apply(change=item) is None:
        report.ignored += 1  # unknown previous number, or a redelivered notice
    else:
        report.updated += 1


EXTRA_ITEM_HANDLERS: dict[type, Callable[..., None]] = {
    IdentityChange: _apply_identity_change,
}


def item_handlers_register(handlers: dict[type, Callable[..., None]]) -> None:
    for item_type, handler in EXTRA_ITEM_HANDLERS.items():
        handlers.setdefault(item_type, handler)
