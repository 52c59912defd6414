"""The outbox: queued on commit, classified retries, exactly-once claims, in-doubt sends after a
worker died, the sweeper, operator retries. Tasks run in-process here; test_worker.py runs them in a
real worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import staff_user
from tests.standins import twilio_error
from tickets.models import DeliveryAttempt, Message
from tickets.relay import delivery
from tickets.relay.delivery import message_deliver
from tickets.relay.notes import message_note_create
from tickets.relay.outbox import message_reply_create, message_retry
from tickets.relay.sweeper import outbox_sweep

pytestmark = pytest.mark.django_db

ANSWER = "Untuk akta kelahiran, bawa surat keterangan lahir dari bidan atau rumah sakit."


def queued(ticket, body=ANSWER) -> Message:
    return message_reply_create(ticket=ticket, author=staff_user(), body=body)


def test_reply_is_committed_queued_and_delivered_after_commit(
    live_providers, citizen, django_capture_on_commit_callbacks
):
    ticket = citizen.ticket("twilio_whatsapp")
    operator = staff_user()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = message_reply_create(ticket=ticket, author=operator, body=ANSWER)
    assert message.status == Message.Status.QUEUED
    assert message.direction == Message.Direction.OUT
    assert live_providers.requests() == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (in-process here)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(live_providers.requests("twilio")) == 1


def test_empty_reply_is_refused(citizen):
    with pytest.raises(ValidationError):
        message_reply_create(ticket=citizen.ticket("twilio_whatsapp"), author=None, body="   ")


def test_note_is_never_sent(live_providers, citizen):
    note = message_note_create(
        ticket=citizen.ticket("twilio_whatsapp"), author=None, body="Warga minta ditelepon"
    )
    assert message_deliver(message_id=note.pk).status == "skipped"
    assert live_providers.requests() == []
    assert note.delivery_attempts.count() == 0


def test_three_failures_then_success_is_delivered_with_four_attempts(
    live_providers, citizen, django_capture_on_commit_callbacks
):
    ticket = citizen.ticket("twilio_whatsapp")
    live_providers.fail(500, api="twilio", times=3)
    with django_capture_on_commit_callbacks(execute=True):
        message = queued(ticket)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 4
    assert list(message.delivery_attempts.values_list("number", "outcome", "http_status")) == [
        (1, "transient", 500),
        (2, "transient", 500),
        (3, "transient", 500),
        (4, "sent", 201),
    ]
    assert len(live_providers.requests("twilio", accepted=True)) == 1
    assert message.error_code == "" and message.error_text == ""


def test_429_waits_at_least_retry_after(live_providers, citizen):
    live_providers.fail(429, api="twilio", retry_after="7")
    message = queued(citizen.ticket("twilio_whatsapp"))
    outcome = message_deliver(message_id=message.pk)
    assert outcome.status == "retry"
    assert 7 <= outcome.retry_in <= 8
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.error_code == "20429"  # shown while we keep trying
    due = dt.datetime.fromisoformat(message.meta["outbox"]["due_at"])
    assert due - timezone.now() > dt.timedelta(seconds=6)


def test_transient_errors_stop_after_the_attempt_budget(live_providers, citizen, settings):
    settings.CURHAT_OUTBOX_MAX_ATTEMPTS = 3
    live_providers.fail(503, api="twilio", times=10)
    message = queued(citizen.ticket("twilio_whatsapp"))
    outcomes = [message_deliver(message_id=message.pk).status for _ in range(4)]
    assert outcomes == ["retry", "retry", "failed", "skipped"]
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "3 percobaan" in message.error_text
    assert len(live_providers.requests()) == 3


def test_permanent_error_fails_at_once_with_the_providers_reason(live_providers, citizen):
    live_providers.fail(
        400, api="twilio", body=twilio_error(21211, 400, "The 'To' number 62812 is not a valid phone number.")
    )
    message = queued(citizen.ticket("twilio_whatsapp"))
    assert message_deliver(message_id=message.pk).status == "failed"
    assert message_deliver(message_id=message.pk).status == "skipped"  # no retry, ever
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Message.Status.FAILED, "21211")
    assert "not a valid phone number" in message.error_text
    assert len(live_providers.requests()) == 1


def test_backoff_grows_with_jitter_and_a_cap(settings):
    settings.CURHAT_OUTBOX_BACKOFF_BASE_MS = 1000
    settings.CURHAT_OUTBOX_BACKOFF_MAX_MS = 8000
    for tries, (low, high) in {1: (0.5, 1), 2: (1, 2), 3: (2, 4), 4: (4, 8), 9: (4, 8)}.items():
        delays = {delivery.retry_delay(tries) for _ in range(20)}
        assert all(low <= d <= high for d in delays)
        assert len(delays) > 1  # jitter
    assert delivery.retry_delay(1, retry_after=30) == 30


# --- exactly once ---------------------------------------------------------------------------------


def test_a_duplicated_task_sends_once(live_providers, citizen):
    message = queued(citizen.ticket("meta_whatsapp"))
    assert message_deliver(message_id=message.pk).status == "sent"
    assert message_deliver(message_id=message.pk).status == "skipped"
    assert len(live_providers.requests()) == 1


def test_a_reply_being_sent_by_another_worker_is_left_alone(live_providers, citizen):
    message = queued(citizen.ticket("meta_whatsapp"))
    claim = delivery._claim(message.pk)  # another worker moved it to "sending", lease running
    assert isinstance(claim, delivery._Claim)
    outcome = message_deliver(message_id=message.pk)
    assert (outcome.status, outcome.reason) == ("skipped", "busy")
    assert live_providers.requests() == []


def crash_mid_send(message: Message, *, lease_expired: bool = True) -> None:
    """What a worker killed after committing "sending" leaves behind: the open attempt, the lease."""
    delivery._claim(message.pk)
    if lease_expired:
        message.refresh_from_db()
        message.meta["outbox"]["lease_until"] = (timezone.now() - dt.timedelta(seconds=1)).isoformat()
        message.save(update_fields=["meta"])


def test_in_doubt_twilio_send_that_reached_twilio_is_recorded_not_resent(live_providers, citizen):
    from channels.providers.twilio_whatsapp import outbound

    message = queued(citizen.ticket("twilio_whatsapp"))
    crash_mid_send(message)
    # The dying worker's request did reach Twilio:
    outbound.messages_create(
        message.account,
        {"From": f"whatsapp:{message.account.address}", "To": "whatsapp:+6281234567890", "Body": ANSWER},
        token=str(message.idempotency_key),
    )
    (created,) = live_providers.requests("twilio", accepted=True)

    outcome = message_deliver(message_id=message.pk)
    assert (outcome.status, outcome.reason) == ("sent", "reconciled")
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.provider_message_id == created.provider_id
    assert len(live_providers.requests("twilio")) == 1  # nothing re-sent
    assert len(live_providers.requests("twilio", method="GET")) == 1  # Twilio was asked
    attempt = message.delivery_attempts.get()
    assert (attempt.outcome, attempt.variant) == ("sent", "reconciled")


def test_in_doubt_twilio_send_that_never_arrived_is_sent_once(live_providers, citizen):
    message = queued(citizen.ticket("twilio_whatsapp"))
    crash_mid_send(message)
    outcome = message_deliver(message_id=message.pk)
    assert (outcome.status, outcome.retry_in) == ("retry", 0)
    assert message_deliver(message_id=message.pk).status == "sent"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(live_providers.requests("twilio", accepted=True)) == 1
    assert list(message.delivery_attempts.values_list("outcome", "error_code")) == [
        ("transient", "worker_lost"),
        ("sent", ""),
    ]


def test_in_doubt_graph_send_is_not_resent_but_shown_to_the_operator(live_providers, citizen):
    message = queued(citizen.ticket("meta_whatsapp"))
    crash_mid_send(message)
    assert message_deliver(message_id=message.pk).status == "failed"
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Message.Status.FAILED, "in_doubt")
    assert "dua kali" in message.error_text
    assert live_providers.requests() == []
    # The operator checked with the citizen and sends it again: once.
    message_retry(message=message, author=staff_user())
    assert message_deliver(message_id=message.pk).status == "sent"
    assert len(live_providers.requests()) == 1


def test_read_timeout_asks_twilio_before_trying_again(live_providers, citizen):
    # Twilio takes the message but answers after our 2 s read timeout.
    live_providers.fail(201, api="twilio", delay=3, accept=True)
    message = queued(citizen.ticket("twilio_whatsapp"))
    outcome = message_deliver(message_id=message.pk)
    assert (outcome.status, outcome.reason) == ("retry", "timeout")
    assert message_deliver(message_id=message.pk).status == "sent"
    message.refresh_from_db()
    (created,) = live_providers.requests("twilio", accepted=True)
    assert len(live_providers.requests("twilio")) == 1
    assert message.provider_message_id == created.provider_id
    assert [a.variant for a in message.delivery_attempts.all()] == ["text", "reconciled"]


def test_operator_retry_uses_a_fresh_idempotency_token(live_providers, citizen):
    live_providers.fail(400, api="twilio", body=twilio_error(21211, 400))
    message = queued(citizen.ticket("twilio_whatsapp"))
    message_deliver(message_id=message.pk)
    with pytest.raises(ValidationError):
        message_retry(message=Message.objects.get(pk=queued(message.ticket, "lain").pk))  # not failed
    message_retry(message=message, author=staff_user())
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.error_code == ""
    assert message_deliver(message_id=message.pk).status == "sent"
    first, second = live_providers.requests("twilio")[:2]
    assert first.headers["i-twilio-idempotency-token"] == str(message.idempotency_key)
    assert second.headers["i-twilio-idempotency-token"] == f"{message.idempotency_key}-r1"


# --- the sweeper ----------------------------------------------------------------------------------


def test_sweeper_re_enqueues_lost_and_interrupted_replies_once_per_period(
    live_providers, citizen, settings, django_capture_on_commit_callbacks
):
    ticket = citizen.ticket("twilio_whatsapp")
    old = timezone.now() - dt.timedelta(minutes=10)
    lost = queued(ticket, "hilang di broker")
    fresh = queued(ticket, "baru saja")
    waiting = queued(ticket, "menunggu backoff")
    interrupted = queued(ticket, "terputus")
    busy = queued(ticket, "sedang dikirim")
    Message.objects.filter(pk__in=[lost.pk, waiting.pk, interrupted.pk, busy.pk]).update(created_at=old)
    waiting.meta = {"outbox": {"due_at": (timezone.now() + dt.timedelta(minutes=1)).isoformat()}}
    Message.objects.filter(pk=waiting.pk).update(meta=waiting.meta)
    crash_mid_send(interrupted)
    crash_mid_send(busy, lease_expired=False)

    enqueued: list[int] = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        swept = outbox_sweep(enqueue=enqueued.append)
        assert enqueued == []  # handed to the broker only once the sweep commits
    assert sorted(swept) == sorted([lost.pk, interrupted.pk])
    assert len(callbacks) == 2 and sorted(enqueued) == sorted(swept)
    assert outbox_sweep(enqueue=enqueued.append) == []  # not again within the period
    later = timezone.now() + dt.timedelta(seconds=settings.CURHAT_OUTBOX_STUCK_AFTER_SECONDS + 1)
    assert lost.pk in outbox_sweep(enqueue=enqueued.append, now=later)
    assert fresh.pk not in swept


def test_delivery_attempts_are_recorded_for_every_try(live_providers, citizen):
    live_providers.fail(500, api="whatsapp", times=1)
    message = queued(citizen.ticket("meta_whatsapp"))
    message_deliver(message_id=message.pk)
    message_deliver(message_id=message.pk)
    attempts = DeliveryAttempt.objects.filter(message=message).order_by("number")
    assert [(a.number, a.outcome) for a in attempts] == [(1, "transient"), (2, "sent")]
    assert all(a.finished_at and a.finished_at >= a.started_at for a in attempts)


def test_an_automatic_acknowledgement_is_not_the_first_response(live_providers, citizen):
    ticket = citizen.ticket("twilio_whatsapp")
    ack = message_reply_create(ticket=ticket, author=None, body="Pesan diterima.", meta={"autoack": True})
    assert message_deliver(message_id=ack.pk).status == "sent"
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == "new"
    answer = queued(ticket)
    message_deliver(message_id=answer.pk)
    answer.refresh_from_db()
    ticket.refresh_from_db()
    assert ticket.first_response_at == answer.sent_at and ticket.status == "answered"


def test_a_hanging_graph_api_times_out_and_is_tried_again(live_providers, citizen):
    # The Cloud API hangs past our 2 s read timeout without taking the message, then recovers.
    live_providers.fail(503, api="whatsapp", delay=3)
    message = queued(citizen.ticket("meta_whatsapp"))
    outcome = message_deliver(message_id=message.pk)
    assert (outcome.status, outcome.reason) == ("retry", "timeout")
    assert message_deliver(message_id=message.pk).status == "sent"
    assert [r.accepted for r in live_providers.requests("whatsapp")] == [False, True]
