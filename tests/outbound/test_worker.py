"""Replies through a real Celery worker process, PostgreSQL and Redis, to the provider stand-ins:
the happy path on every channel, status callbacks, and the fault tests (Redis outage, worker
``kill -9`` mid-send, a flaky provider, a permanent refusal)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from tests.standins import twilio_error
from tests.support import wait_for
from tickets.delivery_reports import message_status_apply
from tickets.models import Message
from tickets.relay.outbox import message_reply_create
from tickets.relay.sweeper import outbox_sweep
from tickets.relay.tasks import message_deliver_enqueue, outbox_sweep_task

from .conftest import BeatProcess, worker_env
from .office import CITIZEN_MOBILE, OFFICE_WHATSAPP

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def commit_reply(ticket, body: str) -> Message:
    # Autocommit (transactional test): the reply commits and its task is enqueued at once.
    return message_reply_create(ticket=ticket, author=None, body=body)


def statuses(messages) -> list[str]:
    return list(Message.objects.filter(pk__in=[m.pk for m in messages]).values_list("status", flat=True))


def all_in(messages, *wanted: str) -> bool:
    found = statuses(messages)
    return len(found) == len(messages) and all(status in wanted for status in found)


def test_replies_on_every_channel_reach_their_stand_in(start_worker, live_providers, smtp_sink, citizen):
    start_worker()
    replies = {
        "twilio_whatsapp": commit_reply(citizen.ticket("twilio_whatsapp"), "Balasan lewat Twilio"),
        "meta_whatsapp": commit_reply(
            citizen.ticket("meta_whatsapp", sender="+6281298765432"), "Balasan lewat Cloud API"
        ),
        "messenger": commit_reply(citizen.ticket("messenger"), "Balasan lewat Messenger"),
        "email": commit_reply(citizen.ticket("email_imap"), "Balasan lewat email"),
        "sms": commit_reply(citizen.ticket("twilio_voice", sender="+6281311112222"), "Balasan lewat SMS"),
    }
    wait_for(lambda: all_in(list(replies.values()), "sent"), timeout=30, message="all replies sent")
    twilio = {r.value("Body"): r for r in live_providers.requests("twilio")}
    assert twilio["Balasan lewat Twilio"].value("To") == f"whatsapp:{CITIZEN_MOBILE}"
    assert twilio["Balasan lewat Twilio"].value("From") == f"whatsapp:{OFFICE_WHATSAPP}"
    assert twilio["Balasan lewat SMS"].value("To") == "+6281311112222"
    (wa,) = live_providers.requests("whatsapp")
    assert wa.json["to"] == "6281298765432" and wa.json["text"]["body"] == "Balasan lewat Cloud API"
    (fb,) = live_providers.requests("messenger")
    assert fb.json["messaging_type"] == "RESPONSE"
    (mail,) = smtp_sink.wait_for(1)
    assert mail.message.get_content().strip() == "Balasan lewat email"
    for reply in replies.values():
        reply.refresh_from_db()
        assert reply.provider_message_id
        assert reply.delivery_attempts.get().outcome == "sent"


def test_status_callback_moves_the_reply_to_delivered(start_worker, live_providers, citizen):
    start_worker()
    message = commit_reply(citizen.ticket("twilio_whatsapp"), "Berkas sudah bisa diambil.")
    (request,) = live_providers.wait_for(1, "twilio")
    wait_for(lambda: statuses([message]) == ["sent"], message="sent")
    applied = message_status_apply(
        provider="twilio_whatsapp",
        provider_message_id=request.provider_id,
        status="delivered",
        timestamp=timezone.now(),
    )
    assert applied is not None and applied.pk == message.pk
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.delivered_at


def test_duplicated_tasks_for_one_reply_send_it_once(start_worker, live_providers, citizen):
    from tickets.relay.tasks import message_deliver_task

    start_worker()
    live_providers.delay = 0.3  # a slow provider: the duplicates arrive while the first is sending
    message = commit_reply(citizen.ticket("twilio_whatsapp"), "Satu kali saja.")
    for _ in range(5):
        message_deliver_task.delay(message.pk)
    wait_for(lambda: statuses([message]) == ["sent"], message="sent")
    time.sleep(1.5)  # let every duplicate run
    assert len(live_providers.requests("twilio")) == 1


def test_provider_failing_three_times_then_succeeding(start_worker, live_providers, citizen):
    start_worker()
    live_providers.fail(500, api="whatsapp", times=3)
    message = commit_reply(citizen.ticket("meta_whatsapp"), "Dicoba sampai berhasil.")
    wait_for(lambda: statuses([message]) == ["sent"], timeout=30, message="sent after retries")
    message.refresh_from_db()
    assert message.attempts == 4
    assert [a.outcome for a in message.delivery_attempts.all()] == ["transient"] * 3 + ["sent"]
    assert len(live_providers.requests("whatsapp")) == 4
    assert len(live_providers.requests("whatsapp", accepted=True)) == 1


def test_permanent_error_fails_at_once_and_is_not_retried(start_worker, live_providers, citizen):
    start_worker()
    live_providers.fail(
        400, api="twilio", body=twilio_error(21211, 400, "The 'To' number is not a valid phone number.")
    )
    message = commit_reply(citizen.ticket("twilio_whatsapp"), "Tidak akan sampai.")
    wait_for(lambda: statuses([message]) == ["failed"], message="failed")
    time.sleep(1.5)  # time for a (wrong) retry to show up
    message.refresh_from_db()
    assert message.error_code == "21211"
    assert "not a valid phone number" in message.error_text
    assert message.attempts == 1
    assert len(live_providers.requests()) == 1


def test_worker_killed_mid_send_each_reply_reaches_twilio_exactly_once(start_worker, live_providers, citizen):
    worker = start_worker()
    # Twilio takes the first two messages at once but answers late: the worker dies before it hears.
    live_providers.fail(201, api="twilio", delay=4, accept=True, times=2)
    ticket = citizen.ticket("twilio_whatsapp")
    replies = [commit_reply(ticket, f"Balasan nomor {i}") for i in range(4)]
    live_providers.wait_for(2, "twilio", timeout=20)
    worker.kill()  # kill -9 the whole worker (main process and pool children)
    assert len(statuses(replies)) == 4 and "sending" in statuses(replies)

    start_worker()

    def settled():
        outbox_sweep_task()  # what beat does every CURHAT_OUTBOX_SWEEP_INTERVAL_SECONDS
        return all_in(replies, "sent")

    wait_for(settled, timeout=60, interval=0.5, message="every reply sent after the crash")
    accepted = live_providers.requests("twilio", accepted=True)
    bodies = sorted(r.value("Body") for r in accepted)
    assert bodies == sorted(f"Balasan nomor {i}" for i in range(4))  # each exactly once
    by_sid = {r.provider_id for r in accepted}
    for reply in replies:
        reply.refresh_from_db()
        assert reply.provider_message_id in by_sid
    reconciled = [a for r in replies for a in r.delivery_attempts.all() if a.variant == "reconciled"]
    assert len(reconciled) >= 2  # the two interrupted sends were found at Twilio, not re-sent


def test_worker_killed_mid_send_on_the_graph_api_never_sends_twice(start_worker, live_providers, citizen):
    """The Cloud API has no idempotency key and no look-up: an interrupted send is not repeated,
    the operator sees it "in doubt" instead (at most once)."""
    worker = start_worker()
    live_providers.fail(200, api="whatsapp", delay=4, accept=True, times=1)
    message = commit_reply(citizen.ticket("meta_whatsapp"), "Terputus di tengah jalan.")
    live_providers.wait_for(1, "whatsapp", timeout=20)
    worker.kill()
    start_worker()

    def settled():
        outbox_sweep_task()
        return statuses([message]) == ["failed"]

    wait_for(settled, timeout=60, interval=0.5, message="in doubt after the crash")
    message.refresh_from_db()
    assert message.error_code == "in_doubt"
    assert len(live_providers.requests("whatsapp")) == 1  # received once, not re-sent


def test_redis_outage_delays_replies_but_loses_none(
    start_worker, private_redis, live_providers, smtp_sink, citizen
):
    """Our OWN redis-server (the shared one on 6379 is never touched): stopped while replies are
    queued, started again (empty, as after a crash): beat's sweeper re-enqueues, all delivered."""
    start_worker()
    beat = BeatProcess(worker_env(live_providers, smtp_sink, private_redis.url))
    try:
        ticket = citizen.ticket("twilio_whatsapp")
        private_redis.stop()
        started = time.monotonic()
        replies = [commit_reply(ticket, f"Saat Redis mati {i}") for i in range(5)]
        assert time.monotonic() - started < 30  # the operator is not kept waiting for long
        time.sleep(2)
        assert live_providers.requests() == []
        assert statuses(replies) == ["queued"] * 5
        private_redis.start()
        wait_for(lambda: all_in(replies, "sent"), timeout=90, interval=0.5, message="sent after the outage")
        bodies = sorted(r.value("Body") for r in live_providers.requests("twilio", accepted=True))
        assert bodies == sorted(f"Saat Redis mati {i}" for i in range(5))  # each exactly once
        assert "outbox-sweep" in beat.log()
    finally:
        beat.stop()


def test_sweeper_finds_nothing_to_do_when_all_is_well(start_worker, live_providers, citizen):
    start_worker()
    message = commit_reply(citizen.ticket("twilio_whatsapp"), "Biasa saja.")
    wait_for(lambda: statuses([message]) == ["sent"], message="sent")
    later = timezone.now() + dt.timedelta(hours=1)
    assert outbox_sweep(enqueue=message_deliver_enqueue, now=later) == []
