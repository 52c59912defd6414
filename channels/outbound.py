"""What every provider's sender (``channels/providers/<name>/outbound.py``) shares: the account
and its secrets, the WhatsApp 24-hour window, template variables, and one way to call a provider
over HTTP with its errors classified.

The contract itself (``send``, ``can_send_freeform``, ``reconcile``; ``SendResult``, ``SendError``;
``contact_identity``, ``idempotency_token``) and the registry the relay finds a sender in are the
core's: ``tickets.relay.senders``. The channels app registers each provider package's ``outbound``
module there (``channels.registry``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from typing import TYPE_CHECKING, Any

import requests
from django.conf import settings
from django.utils import timezone

from tickets.relay.senders import SendError, SendResult, contact_identity

if TYPE_CHECKING:
    from channels.models import ChannelAccount
    from tickets.models import Message, Ticket


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
