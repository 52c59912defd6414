"""Replies to tickets from the website form.

The reply is a public outbound message, so it shows on the citizen's tracking page as soon as it is
recorded: that is the website's own "delivery". When the citizen left an e-mail address or a phone
number on the form, the reply is also relayed there (e-mail first, then WhatsApp, through the office's
active account on that channel); the relay's provider id and provider then become the message's, so
status callbacks find it. A failed relay is recorded on the message (``meta["relay_error"]``) but the
reply stays visible on the tracking page; a relay failing for a transient reason is retried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

from tickets.relay.senders import SendError, SendResult, account_for_channel, contact_identity, sender_for

if TYPE_CHECKING:
    from tickets.models import Message, Ticket

PROVIDER = "website"
# Where a website reply is relayed: (identity kind, channel), in order of preference.
RELAYS = (("email", "email"), ("phone", "whatsapp"))


class RelaySender(Protocol):
    """What the senders of the relay channels (e-mail, WhatsApp) offer besides the contract: a send
    to a given address through a given account."""

    def deliver(self, message: Message, *, account: Any, to: str) -> SendResult: ...


def can_send_freeform(ticket: Ticket) -> bool:
    return True


def send(message: Message) -> SendResult:
    for kind, channel in RELAYS:
        to = contact_identity(message.ticket, kind)
        account = account_for_channel(channel) if to else None
        if account is None:
            continue
        relay = cast(RelaySender, sender_for(account.provider))
        try:
            result = relay.deliver(message, account=account, to=to)
        except SendError as error:
            if not error.permanent:
                raise
            return SendResult(
                provider_message_id="",
                variant=f"tracking_page+{channel}:failed",
                meta={"relay_error": {"channel": channel, "code": error.code, "reason": error.reason}},
            )
        return SendResult(
            provider_message_id=result.provider_message_id,
            variant=f"tracking_page+{result.variant}",
            http_status=result.http_status,
            provider=account.provider,
            kind=result.kind,
            meta={**result.meta, "relay": {"channel": channel, "provider": account.provider}},
        )
    return SendResult(provider_message_id="", variant="tracking_page")
