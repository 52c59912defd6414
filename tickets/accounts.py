"""The office's accounts on providers, as the core asks for them.

An account (a WhatsApp number, a Facebook page, a mailbox, the web form) is the channels app's
model, ``channels.models.ChannelAccount``; tickets and messages only point at one. The core asks
one question, "the office's active account among these providers (on this channel)", and the
channels app answers it: it registers its lookup when it loads (``ChannelsConfig.ready``). Before
that, and without the channels app, the office has no accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Account(Protocol):
    """What the core reads of an account."""

    pk: Any
    channel: str
    provider: str
    is_active: bool


class AccountLookup(Protocol):
    def __call__(self, *, providers: Sequence[str], channel: str | None = None) -> Account | None: ...


def _no_accounts(*, providers: Sequence[str], channel: str | None = None) -> Account | None:
    return None


_lookup: AccountLookup = _no_accounts


def account_lookup_register(lookup: AccountLookup) -> None:
    global _lookup
    _lookup = lookup


def active_account(*, providers: Sequence[str], channel: str | None = None) -> Account | None:
    """The office's active account on one of ``providers`` (in that order of preference, then the
    oldest), only among accounts on ``channel`` when given; None when there is none."""
    return _lookup(providers=tuple(providers), channel=channel)
