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
