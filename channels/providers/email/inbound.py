"""E-mail adapter, inbound side: from a stored ``InboundEvent`` (a raw mail fetched over IMAP, or an
ESP's webhook request kept as it arrived) to tickets.

Store first, then work: the IMAP poller and the anymail views commit the event before calling
:func:`email_event_process`, which may be re-run on the same event (``replay_events``) and changes
nothing the second time (the Message-ID is the idempotency key, through ``ticket_ingest``).
Authentication: IMAP logs in with the mailbox's credentials; ESP webhooks use anymail's basic auth
(and Mailgun's signature), checked in ``anymail_inbound`` before anything is stored.

Imports point one way: ``anymail_inbound`` (the ESP webhook views) and ``imap`` call this module; it
reads a stored ESP request back into mails with ``esp_requests``, never with the views.
"""

from __future__ import annotations

import logging
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from channels.errors import ProviderUnavailable
from channels.models import ChannelAccount, InboundEvent, Provider
from tickets.inbound import InboundMessage
from tickets.ingest import ticket_ingest
from tickets.models import Channel

from .esp_requests import request_mails
from .parse import MalformedMail, OwnIdentity, ParsedMail, RawMail, mail_parse

logger = logging.getLogger(__name__)

RFC822 = "message/rfc822"


def own_identity() -> OwnIdentity:
    """The office's own addresses (every e-mail account, the configured list, our From) and the
    domains of the Message-IDs we generate: mail from these never opens a ticket."""
    addresses = {address.lower() for address in settings.CURHAT_EMAIL_OFFICE_ADDRESSES}
    addresses |= {
        address.lower()
        for address in ChannelAccount.objects.filter(channel=Channel.EMAIL)
        .exclude(address="")
        .values_list("address", flat=True)
    }
    _name, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if from_address:
        addresses.add(from_address.lower())
    domains = {domain.lower() for domain in settings.CURHAT_EMAIL_MESSAGE_ID_DOMAINS}
    return OwnIdentity(addresses=frozenset(addresses), message_id_domains=frozenset(domains))


def event_mails(event: InboundEvent) -> list[RawMail]:
    """The mails an event holds: an IMAP event is one raw mail; an anymail event is the ESP's
    request, parsed again by anymail's own view code."""
    if event.content_type == RFC822:
        return [RawMail(raw=bytes(event.body))]
    return request_mails(event)


def parse_mails(event: InboundEvent, mails: list[RawMail] | None = None) -> list[ParsedMail]:
    own = own_identity()
    return [
        mail_parse(
            mail.raw,
            provider=event.provider,
            received_at=event.received_at,
            own=own,
            fallback_id=mail.fallback_id,
            meta={**(mail.meta or {}), "inbound_event": event.pk},
            event_key=mail.event_key,
        )
        for mail in (event_mails(event) if mails is None else mails)
    ]


def parse(event: InboundEvent) -> list[InboundMessage]:
    """Adapter contract: the messages that open or continue tickets (loops are left out)."""
    return [parsed.message for parsed in parse_mails(event) if parsed.message is not None]


def _finish(event: InboundEvent, outcome: str, reason: str = "") -> str:
    event.outcome = outcome
    event.reason = reason[:2000]
    event.processed_at = timezone.now()
    event.attempts = (event.attempts or 0) + 1
    event.order_key, event.available_at = "", None  # done with: no longer waits in the queue
    event.save(update_fields=["outcome", "reason", "processed_at", "attempts", "order_key", "available_at"])
    return outcome


def email_event_process(*, event: InboundEvent, mails: list[RawMail] | None = None) -> str:
    """Second step of store-first: parse the stored mail(s), cut loops, ingest the rest.

    ``mails``: the mails already taken out of the event (the anymail receiver has them parsed);
    by default they are read from the event. Returns the event's outcome. Never raises for bad mail (the event says why); database errors
    propagate so the caller retries.
    """
    try:
        parsed = parse_mails(event, mails)
    except MalformedMail as exc:
        return _finish(event, InboundEvent.Outcome.REJECTED, str(exc))
    except Exception as exc:  # a bug or an ESP shape we do not know: keep the event for replay
        logger.exception("email event %s could not be parsed", event.pk)
        return _finish(event, InboundEvent.Outcome.ERROR, f"{type(exc).__name__}: {exc}")

    outcomes: list[str] = []
    reasons: list[str] = []
    for mail in parsed:
        if mail.message is None:
            outcomes.append(InboundEvent.Outcome.IGNORED)
            reasons.append(mail.ignored_reason)
            continue
        try:
            result = ticket_ingest(message=mail.message, account=event.account, event=event)
        except ValidationError as exc:
            outcomes.append(InboundEvent.Outcome.REJECTED)
            reasons.append("; ".join(exc.messages))
            continue
        if result.created:
            outcomes.append(InboundEvent.Outcome.PROCESSED)
            reasons.append(f"{result.ticket.reference} {mail.message_id}")
        else:
            outcomes.append(InboundEvent.Outcome.DUPLICATE)
            reasons.append(f"sudah ada di {result.ticket.reference} ({mail.message_id})")
    if not outcomes:
        return _finish(event, InboundEvent.Outcome.IGNORED, "tidak ada surat di dalam kejadian ini")
    # One outcome for the event: any new message makes it "processed".
    for outcome in (
        InboundEvent.Outcome.PROCESSED,
        InboundEvent.Outcome.DUPLICATE,
        InboundEvent.Outcome.REJECTED,
        InboundEvent.Outcome.IGNORED,
    ):
        if outcome in outcomes:
            return _finish(event, outcome, "; ".join(reasons))
    raise AssertionError("unreachable")


def email_event_store(
    *, provider: str, body: bytes, content_type: str, headers: dict, account: ChannelAccount | None
) -> InboundEvent:
    """First step of store-first: the raw event, committed on its own (autocommit)."""
    return InboundEvent.objects.create(
        provider=provider, account=account, body=body, content_type=content_type[:200], headers=headers
    )


PROVIDERS = (Provider.EMAIL_IMAP, Provider.EMAIL_ANYMAIL)


def verify(request, account: ChannelAccount) -> None:
    """Adapter contract. Mail never comes through the generic ``/webhooks/<provider>/<slug>/`` view:
    IMAP is polled, and ESPs post to anymail's views under ``/webhooks/anymail/``."""
    raise ProviderUnavailable(
        "email masuk lewat IMAP atau /webhooks/anymail/<esp>/inbound/, bukan lewat URL ini"
    )


def process(event: InboundEvent) -> None:
    """Adapter contract for ``replay_events``: e-mail needs more than parse-and-ingest (loops are
    recorded as ``ignored`` with the reason), so the whole second step runs here."""
    email_event_process(event=event)
