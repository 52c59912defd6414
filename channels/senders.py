"""Sending a reply to the citizen: the registry of senders and what every sender shares.

A *sender* is a provider's ``outbound`` module (``channels/providers/<name>/outbound.py``) with:

- ``send(message) -> SendResult``: one provider API call for one outbound ``Message``; raises
  :class:`SendError` classified as permanent (the provider refused: invalid number, window closed,
  blocked; retrying cannot help) or transient (network, timeout, 5xx, 429: try again later);
- ``can_send_freeform(ticket) -> bool``: whether free text may be sent now (WhatsApp and Messenger
  windows), so the reply box can say "a template will be sent instead";
- optionally ``reconcile(message, *, since) -> str | None``: ask the provider whether a message we
  may have sent (a worker died mid-send) was created, returning its id, ``None`` when the provider
  shows it was not; raising :class:`SendError` when it cannot tell. Only providers that let us look
  sent messages up have it (Twilio); for the others an interrupted send is "in doubt" and left to
  the operator (see ``tickets/relay/outbox.py``).

Senders read our models (message, ticket, contact, account) but never write them: the outbox
(``tickets.relay.outbox``) records attempts and statuses. The registry maps a provider (the message's
``provider``) to its module by dotted path, so adding a provider is one module and one line here
(``settings.CURHAT_OUTBOUND_SENDERS`` overrides entries).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import importlib
import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from channels.models import ChannelAccount
    from tickets.models import Message, Ticket

SENDERS: dict[str, str] = {
    "twilio_whatsapp": "channels.providers.twilio_whatsapp.outbound",
    "meta_whatsapp": "channels.providers.meta_whatsapp.outbound",
    "messenger": "channels.providers.messenger.outbound",
    "twilio_voice": "channels.providers.twilio_voice.outbound",
    "email_imap": "channels.providers.email.outbound",
    "email_anymail": "channels.providers.email.outbound",
    "website": "channels.providers.website.outbound",
}

# A reply goes out on the channel the citizen used; these channels answer through another one.
REPLY_CHANNEL = {"whatsapp_call": "whatsapp", "sms": "phone"}
# Provider to use for a channel when the ticket has no account on it (first active account wins).
CHANNEL_PROVIDERS: dict[str, tuple[str, ...]] = {
    "whatsapp": ("twilio_whatsapp", "meta_whatsapp"),
    "facebook": ("messenger",),
    "email": ("email_imap", "email_anymail"),
    "phone": ("twilio_voice",),
    "website": ("website",),
}


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


# --- registry -------------------------------------------------------------------------------------


def sender_path(provider: str) -> str:
    overrides = getattr(settings, "CURHAT_OUTBOUND_SENDERS", {}) or {}
    path = overrides.get(provider) or SENDERS.get(provider)
    if not path:
        raise SendError(f"Tidak ada pengirim untuk penyedia {provider!r}.", permanent=True, code="no_sender")
    return path


def sender_for(provider: str) -> ModuleType:
    return importlib.import_module(sender_path(provider))


def reply_channel(channel: str) -> str:
    return REPLY_CHANNEL.get(channel, channel)


def account_for_channel(channel: str) -> ChannelAccount | None:
    """The office's active account for a channel (first configured provider, then oldest)."""
    from channels.models import ChannelAccount

    accounts = list(
        ChannelAccount.objects.filter(
            channel=channel, is_active=True, provider__in=CHANNEL_PROVIDERS.get(channel, ())
        ).order_by("id")
    )
    order = CHANNEL_PROVIDERS.get(channel, ())
    accounts.sort(key=lambda account: order.index(account.provider))
    return accounts[0] if accounts else None


def can_send_freeform(ticket: Ticket, channel: str | None = None) -> bool:
    """Whether free text may go to the citizen now on ``channel`` (default: the ticket's)."""
    channel = reply_channel(channel or ticket.channel)
    account = ticket.account if ticket.account and ticket.account.channel == channel else None
    account = account or account_for_channel(channel)
    provider = account.provider if account else (CHANNEL_PROVIDERS.get(channel) or ("",))[0]
    try:
        module = sender_for(provider)
    except SendError:
        return False
    return bool(module.can_send_freeform(ticket))


# --- what senders share ---------------------------------------------------------------------------


def require_account(message: Message) -> ChannelAccount:
    if message.account is None:
        raise SendError(
            "Belum ada akun kanal aktif untuk membalas di kanal ini.", permanent=True, code="no_account"
        )
    return message.account


def require_secret(account: ChannelAccount, name: str) -> str:
    value = account.secret(name)
    if not value:
        raise SendError(
            f"Akun {account.slug} belum punya rahasia {name!r}.", permanent=True, code="missing_secret"
        )
    return value


def contact_identity(ticket: Ticket, kind: str) -> str:
    """The citizen's newest identity of a kind (phone, email, facebook_psid), or ''."""
    identity = ticket.contact.identities.filter(kind=kind).order_by("-created_at", "-id").first()
    return identity.value if identity else ""


def whatsapp_send(message: Message, deliver) -> SendResult:
    """``send`` of a WhatsApp provider: the citizen's number, then the provider's ``deliver``."""
    account = require_account(message)
    phone = contact_identity(message.ticket, "phone")
    if not phone:
        raise SendError("Warga tidak punya nomor WhatsApp.", permanent=True, code="no_recipient")
    return deliver(message, account=account, to=phone)


def last_inbound_at(ticket: Ticket, channel: str) -> dt.datetime | None:
    """When the citizen last wrote to us on ``channel`` (drives the 24-hour windows). On the ticket's
    own channel that is ``ticket.last_inbound_at``; for a relay (a website ticket answered on
    WhatsApp) it is the contact's last message on that channel in any ticket."""
    from tickets.models import Message

    if ticket.channel == channel and ticket.last_inbound_at:
        return ticket.last_inbound_at
    return (
        Message.objects.filter(ticket__contact_id=ticket.contact_id, channel=channel, direction="in")
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def within(moment: dt.datetime | None, delta: dt.timedelta) -> bool:
    return moment is not None and timezone.now() - moment < delta


def whatsapp_window_open(ticket: Ticket) -> bool:
    hours = settings.CURHAT_WHATSAPP_WINDOW_HOURS
    return within(last_inbound_at(ticket, "whatsapp"), dt.timedelta(hours=hours))


_TEMPLATE_SPACES = re.compile(r"[\t\n\r]+| {4,}")


def template_value(message: Message, name: str) -> str:
    """A template variable's value. WhatsApp refuses newlines, tabs and 4+ spaces in variables."""
    ticket = message.ticket
    values = {
        "reference": ticket.reference,
        "body": message.body,
        "contact_name": ticket.contact.name or "Bapak/Ibu",
        "office": settings.CURHAT_OFFICE_NAME,
    }
    return _TEMPLATE_SPACES.sub(" ", values.get(name, "")).strip()[:1000]


def idempotency_token(message: Message) -> str:
    """The key a provider may use to drop a repeated request: one per message and operator retry."""
    generation = int((message.meta or {}).get("outbox", {}).get("generation", 0))
    return str(message.idempotency_key) + (f"-r{generation}" if generation else "")


# --- HTTP -----------------------------------------------------------------------------------------

_session = requests.Session()


def http_request(method: str, url: str, **kwargs: Any) -> requests.Response:
    """One provider HTTP call with the configured timeout; network failures become transient
    SendErrors. A read timeout is transient too, although the provider may have taken the message:
    the outbox reconciles before re-sending where the provider allows (Twilio)."""
    timeout = settings.CURHAT_PROVIDER_TIMEOUT_SECONDS
    try:
        return _session.request(method, url, timeout=(min(timeout, 5), timeout), **kwargs)
    except requests.ConnectTimeout as exc:
        raise SendError(f"Tidak bisa terhubung ke penyedia: {exc}", permanent=False, code="connect") from exc
    except requests.Timeout as exc:
        raise SendError(f"Penyedia tidak menjawab: {exc}", permanent=False, code="timeout") from exc
    except requests.ConnectionError as exc:
        raise SendError(f"Galat jaringan: {exc}", permanent=False, code="network") from exc


def retry_after_seconds(response: requests.Response) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), or None."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def http_error(
    response: requests.Response, *, code: str, reason: str, transient_codes: frozenset[str] = frozenset()
) -> SendError:
    """Classify an HTTP error: 429, 5xx and the provider's own "try later" codes are transient;
    every other 4xx is permanent (the provider's code and reason go to the operator)."""
    status = response.status_code
    transient = status == 429 or status >= 500 or code in transient_codes
    return SendError(
        reason or f"HTTP {status}",
        permanent=not transient,
        code=code or f"http_{status}",
        retry_after=retry_after_seconds(response),
        http_status=status,
    )


def json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
