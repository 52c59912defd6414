"""The channels app's answer to the core's question "which of the office's accounts?"
(``tickets.accounts``), registered when the app loads."""

from __future__ import annotations

from collections.abc import Sequence

from .models import ChannelAccount


def active_account(*, providers: Sequence[str], channel: str | None = None) -> ChannelAccount | None:
    """The first active account on one of ``providers`` (in their order, then the oldest), only on
    ``channel`` when given."""
    order = list(providers)
    accounts = ChannelAccount.objects.filter(is_active=True, provider__in=order)
    if channel is not None:
        accounts = accounts.filter(channel=channel)
    found = sorted(accounts.order_by("id"), key=lambda account: order.index(account.provider))
    return found[0] if found else None
