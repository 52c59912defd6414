"""From a stored InboundEvent to tickets: parse it with its provider, hand each normalized item to
the ticket services, record the outcome on the event.

The webhook view and ``manage.py replay_events`` both come through here, so a replayed event is
handled exactly like a fresh one (and, being idempotent, changes nothing it already did).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tickets.calls.services import call_inbound_record
from tickets.delivery_reports import message_status_apply
from tickets.inbound import DeliveryStatus, InboundCall, InboundMessage, StatusUpdate
from tickets.ingest import ticket_ingest

from .errors import MalformedPayload, ProviderUnavailable
from .models import ChannelAccount, InboundEvent
from .registry import inbound_for_provider
from .transient import is_transient

logger = logging.getLogger(__name__)

Item = InboundMessage | StatusUpdate | InboundCall


@dataclass
class ApplyReport:
    """What happened to an event's items: counts by result, and the reasons of any failures."""

    created: int = 0
    duplicates: int = 0
    updated: int = 0
    ignored: int = 0
    errors: list[str] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.errors:
            return InboundEvent.Outcome.ERROR
        if self.created or self.updated:
            return InboundEvent.Outcome.PROCESSED
        if self.duplicates:
            return InboundEvent.Outcome.DUPLICATE
        return InboundEvent.Outcome.IGNORED


def event_parse(event: InboundEvent) -> list[Item]:
    """The event's normalized items (raises MalformedPayload / ProviderUnavailable)."""
    inbound = inbound_for_provider(event.provider)
    if inbound is None:
        raise ProviderUnavailable(f"penyedia {event.provider} tidak tersedia")
    return list(inbound.parse(event))


def _apply_message(item: InboundMessage, account: ChannelAccount | None, event: InboundEvent, report) -> None:
    result = ticket_ingest(message=item, account=account, event=event)
    if result.created:
        report.created += 1
        report.message_ids.append(result.message.pk)
    else:
        report.duplicates += 1


def _apply_status(item: StatusUpdate, account: ChannelAccount | None, event: InboundEvent, report) -> None:
    if item.status == DeliveryStatus.UNKNOWN:
        report.ignored += 1
        return
    updated = message_status_apply(
        provider=item.provider,
        provider_message_id=item.provider_message_id,
        status=item.status.value,
        timestamp=item.timestamp,
        error_code=item.error_code,
        error_text=item.error_text,
    )
    if updated is None:  # a status for a message we did not send (or not yet recorded)
        report.ignored += 1
    else:
        report.updated += 1


def _apply_call(item: InboundCall, account: ChannelAccount | None, event: InboundEvent, report) -> None:
    result = call_inbound_record(call=item, account=account, event=event)
    if result.created:
        report.created += 1
    elif result.changed:
        report.updated += 1
    else:
        report.duplicates += 1
    report.message_ids.append(result.message.pk)


# One handler per normalized type: adding a type means adding a row here.
ITEM_HANDLERS: dict[type, Callable[..., None]] = {
    InboundMessage: _apply_message,
    StatusUpdate: _apply_status,
    InboundCall: _apply_call,
}


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}"


def event_apply(event: InboundEvent, items: list[Item]) -> ApplyReport:
    """Hand every item to its service and record the event's outcome, in one transaction (the second
    of store-first; one commit for all of it). Each item runs in its own savepoint, so one odd item
    never takes the others with it: failures are collected and the event is marked ``error`` with
    the reasons, for ``replay_events`` after a fix."""
    report = ApplyReport()
    account = event.account
    with transaction.atomic():
        for item in items:
            handler = ITEM_HANDLERS.get(type(item))
            if handler is None:
                report.errors.append(f"jenis item tidak dikenal: {type(item).__name__}")
                continue
            try:
                # Every handler's service runs in its own atomic block (a savepoint here), so a
                # failed item is undone alone and the transaction goes on with the others.
                handler(item, account, event, report)
            except Exception as exc:
                if is_transient(exc):
                    raise  # a deadlock or a lost connection: the whole event is tried again later
                logger.exception("event %s: item could not be applied", event.pk)
                report.errors.append(_reason(exc))
        event_outcome_record(event, outcome=report.outcome, reason="\n".join(report.errors)[:4000])
    return report


def event_outcome_record(event: InboundEvent, *, outcome: str, reason: str = "") -> None:
    event.outcome = outcome
    event.reason = reason
    event.processed_at = timezone.now()
    event.attempts = (event.attempts or 0) + 1
    # Done with: the order key (a hash of the sender) was only needed while the event waited.
    event.order_key, event.available_at = "", None
    InboundEvent.objects.filter(pk=event.pk).update(
        outcome=outcome,
        reason=reason,
        processed_at=event.processed_at,
        attempts=min(event.attempts, 32767),
        order_key="",
        available_at=None,
    )


def event_process(event: InboundEvent) -> ApplyReport | None:
    """Parse and apply a stored event (replay). Returns None when the event is rejected as malformed
    or its provider is not available here (then the event is left as it is).

    A provider whose events need more than parse-and-ingest offers ``process(event)`` in its inbound
    module, and that is called instead."""
    inbound = inbound_for_provider(event.provider)
    if inbound is None:
        return None
    if hasattr(inbound, "process"):
        inbound.process(event)
        return None
    try:
        items = event_parse(event)
    except MalformedPayload as exc:
        event_outcome_record(event, outcome=InboundEvent.Outcome.REJECTED, reason=exc.reason)
        return None
    except Exception as exc:  # a parser bug: keep the event for the next replay
        if is_transient(exc):
            raise
        logger.exception("event %s: parser failed", event.pk)
        event_outcome_record(event, outcome=InboundEvent.Outcome.ERROR, reason=_reason(exc))
        return None
    return event_apply(event, items)
