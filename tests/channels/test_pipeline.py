"""The inbound queue (channels/pipeline.py): a webhook's 200 means the event is stored; workers apply
it later, in each sender's order, retrying what failed for a passing reason."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from channels.models import ChannelAccount, InboundEvent
from channels.pipeline import queue_drain
from channels.signatures import meta_signature
from channels.transient import is_transient
from tickets.models import Message, Ticket

from ..support import _database_url
from .webhook_base import fixture_bytes

SECRET = "rahasia-aplikasi"
PATH = "/webhooks/meta_whatsapp/wa-kantor/"


@pytest.fixture
def account(db):
    return ChannelAccount.objects.create(
        slug="wa-kantor",
        name="WhatsApp kantor",
        channel="whatsapp",
        provider="meta_whatsapp",
        address="109876543210",
        secrets={"app_secret": SECRET, "verify_token": "v", "access_token": "a"},
    )


@pytest.fixture
def queued(settings):
    settings.CURHAT_INBOUND_PROCESSING = "queue"


def meta_text(*, sender: str, message_id: str, text: str, timestamp: int = 1764320400) -> bytes:
    """Meta's documented text-message notification (tests/fixtures/meta_whatsapp/text.json) for
    another sender, message id and text."""
    payload = json.loads(fixture_bytes("meta_whatsapp", "text"))
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = sender
    message = value["messages"][0]
    message.update({"from": sender, "id": message_id, "timestamp": str(timestamp)})
    message["text"]["body"] = text
    return json.dumps(payload).encode()


def post(client, body: bytes):
    return client.post(
        PATH,
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body, SECRET)},
    )


@pytest.mark.django_db
def test_queue_mode_answers_once_stored_and_the_drain_applies_it(client, account, queued):
    response = post(client, meta_text(sender="6281234500001", message_id="wamid.q1", text="Syarat KK?"))
    assert response.status_code == 200, response.content
    event = InboundEvent.objects.get()
    assert event.outcome == InboundEvent.Outcome.PENDING and len(event.order_key) == 32
    assert "6281234500001" not in event.order_key and Message.objects.count() == 0

    result = queue_drain()

    assert (result.applied, result.retried, result.deferred) == (1, 0, 0)
    event.refresh_from_db()
    assert (event.outcome, event.order_key, event.attempts) == (InboundEvent.Outcome.PROCESSED, "", 1)
    assert Message.objects.get().body == "Syarat KK?"


@pytest.mark.django_db
def test_malformed_body_is_refused_and_kept_but_never_queued(client, account, queued):
    body = b'{"object": "whatsapp_business_account", "entry": ['
    response = post(client, body)
    assert response.status_code == 400 and "JSON tidak sah" in response.json()["error"]
    event = InboundEvent.objects.get()
    assert event.outcome == InboundEvent.Outcome.REJECTED and event.processed_at is not None
    assert queue_drain().applied == 0


@pytest.mark.django_db
def test_one_senders_events_wait_for_their_earlier_event(client, account, queued):
    """The first message is in its backoff (a transient failure): the same citizen's next message must
    not overtake it, while another citizen's message goes through."""
    post(
        client,
        meta_text(sender="6281234500001", message_id="wamid.a1", text="pesan pertama", timestamp=1764320400),
    )
    post(
        client,
        meta_text(sender="6281234500001", message_id="wamid.a2", text="pesan kedua", timestamp=1764320460),
    )
    post(
        client,
        meta_text(sender="6281234500002", message_id="wamid.b1", text="orang lain", timestamp=1764320470),
    )
    first, second, other = InboundEvent.objects.order_by("id")
    assert first.order_key == second.order_key != other.order_key
    InboundEvent.objects.filter(pk=first.pk).update(available_at=timezone.now() + dt.timedelta(minutes=5))

    result = queue_drain()

    assert result.applied == 1 and result.deferred >= 1
    assert list(Message.objects.values_list("body", flat=True)) == ["orang lain"]
    InboundEvent.objects.filter(pk=first.pk).update(available_at=None)
    assert queue_drain().applied == 2
    ticket = Ticket.objects.get(contact__identities__value="+6281234500001")
    assert list(ticket.messages.order_by("id").values_list("body", flat=True)) == [
        "pesan pertama",
        "pesan kedua",
    ]
    assert InboundEvent.objects.filter(outcome=InboundEvent.Outcome.PENDING).count() == 0


@pytest.mark.django_db
def test_event_of_a_provider_switched_off_waits_instead_of_failing(client, account, queued, settings):
    post(client, meta_text(sender="6281234500001", message_id="wamid.off", text="halo"))
    settings.CURHAT_CHANNEL_PROVIDERS = ["channels.providers.twilio_whatsapp"]
    result = queue_drain()
    event = InboundEvent.objects.get()
    assert (result.applied, result.retried) == (0, 1)
    assert event.outcome == InboundEvent.Outcome.PENDING and event.available_at > timezone.now()
    assert "tidak tersedia" in event.reason
    settings.CURHAT_CHANNEL_PROVIDERS = ["channels.providers.meta_whatsapp"]
    InboundEvent.objects.update(available_at=None)
    assert queue_drain().applied == 1 and Message.objects.count() == 1


@pytest.mark.django_db
def test_inline_mode_applies_within_the_request(client, account):
    response = post(client, meta_text(sender="6281234500001", message_id="wamid.in", text="halo"))
    assert response.status_code == 200
    assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.PROCESSED
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_inbound_worker_once_drains_the_queue(client, account, queued, capsys):
    for n in range(3):
        post(client, meta_text(sender=f"62812345000{n}1", message_id=f"wamid.w{n}", text=f"pesan {n}"))
    call_command("inbound_worker", "--once")
    assert Message.objects.count() == 3
    assert "diterapkan 3" in capsys.readouterr().out


def test_transient_classification():
    from django.db import IntegrityError, OperationalError

    def wrapped(cause: Exception, outer=OperationalError) -> Exception:
        try:
            try:
                raise cause
            except Exception as inner:
                raise outer(str(inner)) from inner
        except Exception as exc:
            return exc

    deadlock = psycopg.errors.DeadlockDetected("deadlock detected")
    lock_timeout = psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
    unique = psycopg.errors.UniqueViolation("duplicate key")
    assert is_transient(wrapped(deadlock)) and is_transient(wrapped(lock_timeout))
    assert not is_transient(wrapped(unique, IntegrityError))
    assert is_transient(OperationalError("database is locked"))
    assert not is_transient(ValueError("bad data"))


# --- real faults on PostgreSQL ----------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lock_timeout_puts_the_event_back_and_it_is_applied_later(client, account, queued):
    """Someone holds the ticket's row (an operator's long transaction): applying the citizen's next
    message times out on the lock; the event waits for its retry instead of ending in error."""
    post(
        client, meta_text(sender="6281234500009", message_id="wamid.l1", text="pertama", timestamp=1764320400)
    )
    queue_drain()
    ticket = Ticket.objects.get()
    post(client, meta_text(sender="6281234500009", message_id="wamid.l2", text="kedua", timestamp=1764320500))

    with psycopg.connect(_database_url()) as holder:
        holder.execute("SELECT id FROM tickets_ticket WHERE id = %s FOR UPDATE", [ticket.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        try:
            result = queue_drain()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        holder.rollback()

    event = InboundEvent.objects.order_by("id").last()
    assert (result.applied, result.retried) == (0, 1)
    assert event.outcome == InboundEvent.Outcome.PENDING and event.attempts == 1
    assert "LockNotAvailable" in event.reason or "lock timeout" in event.reason
    assert event.available_at > timezone.now()
    assert Message.objects.count() == 1

    InboundEvent.objects.filter(pk=event.pk).update(available_at=None)
    assert queue_drain().applied == 1
    event.refresh_from_db()
    assert event.outcome == InboundEvent.Outcome.PROCESSED and event.order_key == ""
    assert list(ticket.messages.order_by("id").values_list("body", flat=True)) == ["pertama", "kedua"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ingest_and_a_task_locking_the_ticket_do_not_deadlock(client, account, queued):
    """The auto-acknowledgement takes the ticket FOR UPDATE while an ingest of the citizen's next
    message is half way (a trigger holds the ingest for a moment right after its message INSERT).
    The ingest used to insert the message (a key-share lock on the ticket) and update the ticket
    after: against the task's FOR UPDATE that is a deadlock, and the acknowledged message ended in
    ``error``. Now the ingest locks the ticket first: the task waits, nobody fails, nothing retries."""
    post(
        client, meta_text(sender="6281234500010", message_id="wamid.d1", text="pertama", timestamp=1764320400)
    )
    queue_drain()
    ticket = Ticket.objects.get()
    post(client, meta_text(sender="6281234500010", message_id="wamid.d2", text="kedua", timestamp=1764320500))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_pause() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END; "
            "$$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_pause AFTER INSERT ON tickets_message FOR EACH ROW "
            "WHEN (NEW.body = 'kedua') EXECUTE FUNCTION test_pause()"
        )
    outcome: dict[str, object] = {}

    def drain():
        from django.db import connection as thread_connection

        try:
            outcome["result"] = queue_drain()
        except Exception as exc:  # the test reports it below
            outcome["error"] = exc
        finally:
            thread_connection.close()

    try:
        worker = threading.Thread(target=drain)
        worker.start()
        time.sleep(0.5)  # the ingest is now inside the paused INSERT
        # A third party also references the ticket (a delivery report inserting into it: a key-share
        # lock), then the task asks for the ticket FOR UPDATE (it waits, first in the tuple's queue).
        other = psycopg.connect(_database_url())
        other.execute("SELECT id FROM tickets_ticket WHERE id = %s FOR KEY SHARE", [ticket.pk])
        task_error: list[Exception] = []

        def task_work():
            try:
                with psycopg.connect(_database_url()) as task:
                    task.execute("SELECT id FROM tickets_ticket WHERE id = %s FOR UPDATE", [ticket.pk])
                    task.execute("UPDATE tickets_ticket SET updated_at = now() WHERE id = %s", [ticket.pk])
                    task.commit()
            except Exception as exc:
                task_error.append(exc)

        task_thread = threading.Thread(target=task_work)
        task_thread.start()
        worker.join(timeout=5)
        other.rollback()
        other.close()
        worker.join(timeout=30)
        task_thread.join(timeout=30)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS test_pause ON tickets_message")
            cursor.execute("DROP FUNCTION IF EXISTS test_pause()")
    assert "error" not in outcome and not task_error, (outcome, task_error)
    result = outcome["result"]
    assert (result.applied, result.retried) == (1, 0)
    assert InboundEvent.objects.filter(outcome=InboundEvent.Outcome.PROCESSED).count() == 2
    assert list(ticket.messages.order_by("id").values_list("body", flat=True)) == ["pertama", "kedua"]


@pytest.mark.django_db
def test_admin_replays_events_in_error_through_the_queue(client, account, queued):
    from django.contrib.auth import get_user_model

    post(client, meta_text(sender="6281234500011", message_id="wamid.e1", text="halo"))
    event = InboundEvent.objects.get()
    InboundEvent.objects.filter(pk=event.pk).update(outcome="error", reason="ValueError: bug", order_key="")
    admin_user = get_user_model().objects.create_superuser("admin", "a@example.org", "rahasia-admin-123")
    client.force_login(admin_user)
    response = client.post(
        "/admin/channels/inboundevent/", {"action": "replay", "_selected_action": [event.pk]}, follow=True
    )
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.outcome == InboundEvent.Outcome.PENDING
    assert queue_drain().applied == 1
    event.refresh_from_db()
    assert event.outcome == InboundEvent.Outcome.PROCESSED and Message.objects.count() == 1


@pytest.mark.django_db
def test_retention_never_expires_an_event_still_waiting_in_the_queue(account):
    from channels.privacy import events_expire

    old = timezone.now() - dt.timedelta(days=400)
    waiting = InboundEvent.objects.create(
        provider="meta_whatsapp", account=account, body=b"{}", received_at=old
    )
    done = InboundEvent.objects.create(
        provider="meta_whatsapp", account=account, body=b"{}", received_at=old, outcome="processed"
    )
    assert events_expire(None, now=timezone.now()) == 1
    assert list(InboundEvent.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not InboundEvent.objects.filter(pk=done.pk).exists()


def meta_batch(messages: list[tuple[str, str, str, int]]) -> bytes:
    """Meta's documented shape for one notification holding several messages (``contacts`` and
    ``messages`` arrays): (sender, message id, text, timestamp) each."""
    payload = json.loads(fixture_bytes("meta_whatsapp", "text"))
    value = payload["entry"][0]["changes"][0]["value"]
    template = value["messages"][0]
    value["contacts"] = [{"profile": {"name": f"Warga {s[-4:]}"}, "wa_id": s} for s, _i, _t, _ts in messages]
    value["messages"] = [
        {**template, "from": sender, "id": mid, "timestamp": str(ts), "text": {"body": text}}
        for sender, mid, text, ts in messages
    ]
    return json.dumps(payload).encode()


@pytest.mark.django_db
def test_a_citizen_inside_another_senders_batch_keeps_their_order(client, account, queued):
    """Meta batches several citizens' messages in one request. Citizen A's second message rides in an
    event whose first sender is B: it must still wait for A's first message (found from outside)."""
    a, b = "6281234500021", "6281234500022"
    post(client, meta_text(sender=a, message_id="wamid.a1", text="A satu", timestamp=1764320400))
    post(client, meta_batch([(b, "wamid.b1", "B satu", 1764320410), (a, "wamid.a2", "A dua", 1764320420)]))
    first, _batch = InboundEvent.objects.order_by("id")
    InboundEvent.objects.filter(pk=first.pk).update(available_at=timezone.now() + dt.timedelta(minutes=5))

    result = queue_drain()

    assert result.applied == 0 and result.deferred >= 1
    assert Message.objects.count() == 0
    InboundEvent.objects.filter(pk=first.pk).update(available_at=None)
    assert queue_drain().applied == 2
    ticket = Ticket.objects.get(contact__identities__value=f"+{a}")
    assert list(ticket.messages.order_by("id").values_list("body", flat=True)) == ["A satu", "A dua"]


@pytest.mark.django_db
def test_lone_surrogates_are_replaced_and_the_message_is_stored(client, account):
    body = (
        meta_text(sender="6281234500023", message_id="wamid.sur", text="X")
        .replace(b'"body": "X"', b'"body": "\\ud800 syarat KK"')
        .replace(b'"name": "Andi Makkasau"', b'"name": "\\udfff\\u0000Andi"')
    )
    response = post(client, body)
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.outcome == InboundEvent.Outcome.PROCESSED, event.reason
    message = Message.objects.get()
    assert message.body == "\ufffd syarat KK" and message.ticket.contact.name == "\ufffdAndi"


@pytest.mark.django_db
def test_replay_events_goes_on_past_an_event_that_still_waits(account, capsys):
    """A Twilio Voice status callback for a call we do not know yet used to stop ``replay_events``
    with a traceback, leaving the rest of the list untried."""
    from urllib.parse import urlencode

    voice = ChannelAccount.objects.create(
        slug="suara", name="Suara", channel="phone", provider="twilio_voice", address="+62811415227",
        secrets={"auth_token": "t"},
    )  # fmt: skip
    early = InboundEvent.objects.create(
        provider="twilio_voice", account=voice, content_type="application/x-www-form-urlencoded",
        body=urlencode({"CallSid": "CAearly", "CallStatus": "completed", "CallDuration": "7",
                        "AccountSid": "AC" + "1" * 32}).encode(),
        received_at=timezone.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    later = InboundEvent.objects.create(
        provider="meta_whatsapp", account=account, content_type="application/json",
        body=meta_text(sender="6281234500024", message_id="wamid.rp", text="halo"),
        received_at=timezone.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    call_command("replay_events")
    out = capsys.readouterr().out
    assert f"#{early.pk} twilio_voice: masih menunggu" in out
    later.refresh_from_db()
    assert later.outcome == InboundEvent.Outcome.PROCESSED and Message.objects.count() == 1


@pytest.mark.django_db
def test_a_call_callback_waiting_for_its_call_does_not_hold_the_call_back(client, queued):
    """Twilio's status callback (no From) can arrive before the call's own first request is applied. It
    waits for the call; the call, which shares its order key, must not wait for it (found from
    outside: the call reached the inbox only when the callback gave up, ten minutes later)."""
    from urllib.parse import urlencode

    voice = ChannelAccount.objects.create(
        slug="suara", name="Suara", channel="phone", provider="twilio_voice", address="+62811415227",
        secrets={"auth_token": "t"},
    )  # fmt: skip
    common = {
        "AccountSid": "AC" + "1" * 32,
        "CallSid": "CAorder1",
        "To": "+62811415227",
        "ApiVersion": "2010-04-01",
    }
    status = InboundEvent.objects.create(
        provider="twilio_voice", account=voice, content_type="application/x-www-form-urlencoded",
        body=urlencode({**common, "CallStatus": "completed", "CallDuration": "7"}).encode(),
        headers={"query": "event=status"},
    )  # fmt: skip
    from channels.pipeline import order_keys
    from channels.processing import event_parse

    InboundEvent.objects.filter(pk=status.pk).update(order_key=order_keys(event_parse(status))[0])
    incoming = InboundEvent.objects.create(
        provider="twilio_voice", account=voice, content_type="application/x-www-form-urlencoded",
        body=urlencode({**common, "CallStatus": "ringing", "From": "+6281234500025", "Direction": "inbound"}).encode(),
        headers={"query": "event=incoming"},
    )  # fmt: skip
    InboundEvent.objects.filter(pk=incoming.pk).update(order_key=order_keys(event_parse(incoming))[0])

    queue_drain()

    incoming.refresh_from_db()
    status.refresh_from_db()
    assert incoming.outcome == InboundEvent.Outcome.PROCESSED
    assert status.outcome == InboundEvent.Outcome.PENDING and status.order_key == ""
    InboundEvent.objects.filter(pk=status.pk).update(available_at=None)
    queue_drain()
    status.refresh_from_db()
    assert status.outcome == InboundEvent.Outcome.PROCESSED
    assert Message.objects.get().meta["call"]["status"] == "completed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_held_contact_row_does_not_stall_other_citizens(client, account, queued, settings):
    """Someone holds a citizen's contact row (found from outside: both workers waited 150 s, and every
    other citizen behind them). The worker gives up the lock after CURHAT_INBOUND_LOCK_TIMEOUT_MS,
    puts that event back, and applies the others in the same batch."""
    settings.CURHAT_INBOUND_LOCK_TIMEOUT_MS = 300
    post(
        client, meta_text(sender="6281234500026", message_id="wamid.h1", text="pertama", timestamp=1764320400)
    )
    queue_drain()
    held = Ticket.objects.get().contact_id
    post(client, meta_text(sender="6281234500026", message_id="wamid.h2", text="kedua", timestamp=1764320500))
    post(
        client,
        meta_text(sender="6281234500027", message_id="wamid.o1", text="orang lain", timestamp=1764320510),
    )
    with psycopg.connect(_database_url()) as holder:
        holder.execute("SELECT id FROM tickets_contact WHERE id = %s FOR UPDATE", [held])
        started = time.monotonic()
        result = queue_drain(max_batches=1)
        elapsed = time.monotonic() - started
        holder.rollback()
    assert (result.applied, result.retried) == (1, 1) and elapsed < 5
    assert Message.objects.filter(body="orang lain").exists()
    waiting = InboundEvent.objects.get(outcome=InboundEvent.Outcome.PENDING)
    assert "lock timeout" in waiting.reason or "LockNotAvailable" in waiting.reason


@pytest.mark.django_db
def test_a_chunked_body_without_length_is_411_not_a_signature_mismatch(client, account):
    body = meta_text(sender="6281234500028", message_id="wamid.ch", text="halo")
    response = client.generic(
        "POST",
        PATH,
        data=b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, SECRET),
    )
    assert response.status_code == 411 and "Content-Length" in response.json()["error"]
    assert InboundEvent.objects.count() == 0
