"""The sender contract: what the relay expects of a provider, and where it finds one.

The core does not know providers; it knows this contract. A *sender* is an object (in practice a
provider package's ``outbound`` module) with:

- ``send(message) -> SendResult``: one provider API call for one outbound ``Message``; raises
  :class:`SendError` classified as permanent (the provider refused: invalid number, window closed,
  blocked; retrying cannot help) or transient (network, timeout, 5xx, 429: try again later);
- ``can_send_freeform(ticket) -> bool``: whether free text may be sent now (WhatsApp and Messenger
  windows), so the reply box can say "a template will be sent instead";
- optionally ``template_ready(account) -> bool``: whether, outside that window, the account has
  what the provider takes instead (WhatsApp: an approved template). A provider without it sends
  something outside the window (Messenger's tags). When it says False, a reply outside the window is
  refused before it is queued (:func:`window_state` is "closed");
- optionally ``reconcile(message, *, since) -> str | None``: ask the provider whether a message we
  may have sent (a worker died mid-send) was created, returning its id, ``None`` when the provider
  shows it was not; raising :class:`SendError` when it cannot tell. Only providers that let us look
  sent messages up have it (Twilio); for the others an interrupted send is "in doubt" and left to
  the operator (see ``tickets/relay/delivery.py``).

Senders read our models (message, ticket, contact, account) but never write them: the relay
(``tickets.relay.delivery``) records attempts and statuses.

The registry maps a provider (the message's ``provider``) to its sender and to the channel it
serves. The channels app fills it when it loads (``channels.registry.senders_register``, from
``settings.CURHAT_CHANNEL_PROVIDERS``); the order of registration is the order of preference on a
channel. Tests change senders by overriding ``CURHAT_CHANNEL_PROVIDERS`` (the channels app
registers again on ``setting_changed``); :func:`senders_clear` and :func:`sender_register` are the
whole API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from tickets import accounts

if TYPE_CHECKING:
    from tickets.models import Message, Ticket


@dataclass(frozen=True)
class SendResult:
    """What the provider accepted. ``variant`` says what was sent ("text", "template:<name>",
    "tag:HUMAN_AGENT", "sms", "email", "tracking_page+email", ...) and is shown on the attempt."""

    provider_message_id: str
    variant: str = "text"
    http_status: int | None = None
    # Set when the reply went out through another provider than the message's own (a website
    # ticket relayed by e-mail or WhatsApp): status callbacks then find the message.
    provider: str = ""
    # Message.kind to record ("template" when an approved template replaced the free text).
    kind: str = ""
    # Merged into Message.meta for the timeline (template name and variables, relay, ...).
    meta: dict[str, Any] = field(default_factory=dict)


class SendError(Exception):
    """A provider did not take the message. ``permanent``: retrying cannot help (the operator must
    act); otherwise try again, not before ``retry_after`` seconds when the provider said so."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        code: str = "",
        retry_after: float | None = None,
        http_status: int | None = None,
        variant: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = str(code)[:40]
        self.retry_after = retry_after
        self.http_status = http_status
        self.variant = variant

    def __repr__(self) -> str:
        kind = "permanent" if self.permanent else "transient"
        return f"SendError({kind}, code={self.code!r}, http={self.http_status}, {self.reason!r})"


class OutboundSender(Protocol):
    """A provider's sending side (``reconcile`` is optional: look it up with ``getattr``)."""

    def send(self, message: Message) -> SendResult: ...

    def can_send_freeform(self, ticket: Ticket) -> bool: ...


# --- registry -------------------------------------------------------------------------------------

_senders: dict[str, OutboundSender] = {}
# channel → providers serving it, in order of preference (registration order).
_channel_providers: dict[str, list[str]] = {}


def sender_register(provider: str, sender: OutboundSender, *, channel: str) -> None:
    """Make ``sender`` the one for ``provider``, a provider on ``channel`` (after those already
    registered there)."""
    _senders[provider] = sender
    for providers in _channel_providers.values():
        if provider in providers:
            providers.remove(provider)
    _channel_providers.setdefault(channel, []).append(provider)


def senders_clear() -> None:
    """Forget every sender (before registering the configured ones again)."""
    _senders.clear()
    _channel_providers.clear()


def sender_for(provider: str) -> OutboundSender:
    sender = _senders.get(provider)
    if sender is None:
        raise SendError(f"Tidak ada pengirim untuk penyedia {provider!r}.", permanent=True, code="no_sender")
    return sender


def registered_providers() -> tuple[str, ...]:
    return tuple(_senders)


def channel_providers(channel: str) -> tuple[str, ...]:
    """Providers that can send on ``channel``, preferred first."""
    return tuple(_channel_providers.get(channel, ()))


# --- the core's reply rules -----------------------------------------------------------------------

# A reply goes out on the channel the citizen used; these channels answer through another one.
REPLY_CHANNEL = {"whatsapp_call": "whatsapp", "sms": "phone"}


def reply_channel(channel: str) -> str:
    return REPLY_CHANNEL.get(channel, channel)


# Longest text a provider takes in one message (Messenger Send API: 2,000 characters; WhatsApp
# text: 4,096; Twilio SMS: 1,600 joined segments), by reply channel. The one list: the operator's
# composer, the API, the officials' answers and the automatic acknowledgement all ask text_limit().
TEXT_LIMITS = {"facebook": 2000, "whatsapp": 4096, "phone": 1600, "sms": 1600}
# Channels without a provider limit (e-mail, the website's status page) take this much.
DEFAULT_TEXT_LIMIT = 4096


def text_limit(channel: str) -> int:
    """Longest reply (characters) that goes out on ``channel`` (a ticket's channel or a reply channel)."""
    return TEXT_LIMITS.get(reply_channel(channel), DEFAULT_TEXT_LIMIT)


def default_provider(channel: str) -> str:
    """The provider a reply on ``channel`` goes through when the office has no account on it
    (the first one serving the channel; '' when none does)."""
    return (channel_providers(channel) or ("",))[0]


def account_for_channel(channel: str) -> accounts.Account | None:
    """The office's active account for a channel (the first provider serving it, then oldest)."""
    return accounts.active_account(providers=channel_providers(channel), channel=channel)


def _sender_and_account(
    ticket: Ticket, channel: str
) -> tuple[OutboundSender | None, accounts.Account | None]:
    account: accounts.Account | None = (
        ticket.account if ticket.account and ticket.account.channel == channel else None
    )
    account = account or account_for_channel(channel)
    provider = account.provider if account else default_provider(channel)
    try:
        return sender_for(provider), account
    except SendError:
        return None, account


def can_send_freeform(ticket: Ticket, channel: str | None = None) -> bool:
    """Whether free text may go to the citizen now on ``channel`` (default: the ticket's)."""
    sender, _account = _sender_and_account(ticket, reply_channel(channel or ticket.channel))
    return sender is not None and bool(sender.can_send_freeform(ticket))


WINDOW_FREEFORM = "freeform"  # free text goes as written
WINDOW_TEMPLATE = "template"  # the window is closed: what the provider takes instead goes
WINDOW_CLOSED = "closed"  # the window is closed and nothing can go: a reply is refused


def window_state(ticket: Ticket, channel: str | None = None) -> str:
    """What a reply on ``channel`` (default: the ticket's) would be now (``WINDOW_*``)."""
    sender, account = _sender_and_account(ticket, reply_channel(channel or ticket.channel))
    if sender is None:  # nothing serves the channel: the relay records why when it tries
        return WINDOW_TEMPLATE
    if sender.can_send_freeform(ticket):
        return WINDOW_FREEFORM
    ready = getattr(sender, "template_ready", None)
    if ready is None or ready(account):
        return WINDOW_TEMPLATE
    return WINDOW_CLOSED


# --- what the core gives every sender -------------------------------------------------------------


def contact_identity(ticket: Ticket, kind: str) -> str:
    """The citizen's newest identity of a kind (phone, email, facebook_psid), or ''."""
    identity = ticket.contact.identities.filter(kind=kind).order_by("-created_at", "-id").first()
    return identity.value if identity else ""


def idempotency_token(message: Message) -> str:
    """The key a provider may use to drop a repeated request: one per message and operator retry."""
    generation = int((message.meta or {}).get("outbox", {}).get("generation", 0))
    return str(message.idempotency_key) + (f"-r{generation}" if generation else "")
