"""The IMAP poller against a real Dovecot on 127.0.0.1: by UID, through outages, restarts and a
renumbered folder, every mail becomes exactly one message."""

from __future__ import annotations

import pytest

from channels.models import InboundEvent, MailboxState
from channels.providers.email import tasks
from channels.providers.email.imap import mailbox_poll
from tickets.models import Message, Ticket

from ..support import wait_for
from .conftest import eml
from .dovecot import DovecotServer

pytestmark = pytest.mark.django_db(transaction=True)

# Only what citizens sent: other features (auto-acknowledgement) may add outbound messages.
INBOUND = Message.objects.filter(direction="in")


def mail(n: int, sender: str = "warga{n}@example.com") -> bytes:
    return (
        f"From: Warga {n} <{sender.format(n=n)}>\r\nTo: curhat@kantor.test\r\n"
        f"Subject: Pertanyaan {n}\r\nMessage-ID: <imap-{n}@example.com>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nIni pertanyaan nomor {n}.\r\n"
    ).encode()


def message_ids() -> list[str]:
    return sorted(INBOUND.values_list("provider_message_id", flat=True))


def expected(*numbers: int) -> list[str]:
    return sorted(f"<imap-{n}@example.com>" for n in numbers)


def seen(dovecot, folder: str = "INBOX") -> dict[int, bool]:
    return {uid: b"\\Seen" in line for uid, line in dovecot.flags(folder).items()}


def test_poll_ingests_new_mail_marks_it_seen_and_remembers_the_uid(dovecot, imap_account):
    for n in (1, 2, 3):
        dovecot.append(mail(n))
    dovecot.append(eml("auto_submitted.eml"))
    result = mailbox_poll(account=imap_account)
    assert result.error == "" and result.fetched == 4
    assert result.outcomes == {"processed": 3, "ignored": 1}
    assert message_ids() == expected(1, 2, 3)
    assert Ticket.objects.filter(channel="email", account=imap_account).count() == 3
    assert seen(dovecot) == {1: True, 2: True, 3: True, 4: True}
    state = MailboxState.objects.get(account=imap_account)
    assert state.last_uid == 4 and state.uidvalidity == dovecot.uidvalidity()
    event = InboundEvent.objects.filter(provider="email_imap").order_by("pk").first()
    assert event.headers["imap_uid"] == 1 and bytes(event.body) == mail(1)

    # Nothing new: nothing fetched. New mail: only it.
    assert mailbox_poll(account=imap_account).fetched == 0
    dovecot.append(mail(4))
    again = mailbox_poll(account=imap_account)
    assert again.fetched == 1 and message_ids() == expected(1, 2, 3, 4)
    assert InboundEvent.objects.count() == 5


def test_first_poll_skips_mail_already_read_but_later_mail_counts_read_or_not(dovecot, imap_account):
    dovecot.append(mail(1), flags=r"(\Seen)")  # the office's old, already handled mail
    dovecot.append(mail(2))
    assert mailbox_poll(account=imap_account).fetched == 1
    assert message_ids() == expected(2)
    dovecot.append(mail(3), flags=r"(\Seen)")  # new, but someone opened it in the mailbox first
    assert mailbox_poll(account=imap_account).fetched == 1
    assert message_ids() == expected(2, 3)


def test_full_backfill_can_be_chosen(dovecot, imap_account):
    imap_account.config["initial_unseen_only"] = False
    imap_account.save()
    dovecot.append(mail(1), flags=r"(\Seen)")
    dovecot.append(mail(2))
    assert mailbox_poll(account=imap_account).fetched == 2


def test_server_outage_in_the_middle_of_a_fetch_loses_and_duplicates_nothing(dovecot, imap_account):
    imap_account.config["batch_size"] = 2
    imap_account.save()
    for n in range(1, 7):
        dovecot.append(mail(n))

    def outage_after_third(uid: int) -> None:
        if uid == 3:
            dovecot.stop()

    result = mailbox_poll(account=imap_account, after_each=outage_after_third)
    assert result.error, "the poll must notice the outage"
    # Mail 4 was already fetched with 3 (one batch): it is ingested, but marking it fails, so the
    # resume point stays at 3 and mail 4 will be fetched again.
    assert message_ids() == expected(1, 2, 3, 4)
    state = MailboxState.objects.get(account=imap_account)
    assert state.last_uid == 3 and state.last_error

    # While the server is down, polls fail quietly and change nothing.
    assert mailbox_poll(account=imap_account).error
    assert message_ids() == expected(1, 2, 3, 4)

    dovecot.start()
    dovecot.append(mail(7))  # arrived while we were away
    result = mailbox_poll(account=imap_account)
    assert result.error == "" and result.fetched == 4
    assert result.outcomes == {"duplicate": 1, "processed": 3}
    assert message_ids() == expected(*range(1, 8))
    assert INBOUND.count() == 7
    assert all(seen(dovecot).values())
    assert MailboxState.objects.get(account=imap_account).last_error == ""


def test_a_killed_poller_resumes_where_it_stopped(dovecot, imap_account):
    for n in range(1, 6):
        dovecot.append(mail(n))

    class Killed(BaseException):
        pass

    def killed_after_second(uid: int) -> None:
        if uid == 2:
            raise Killed

    with pytest.raises(Killed):
        mailbox_poll(account=imap_account, after_each=killed_after_second)
    assert message_ids() == expected(1, 2)
    assert MailboxState.objects.get(account=imap_account).last_uid == 2

    # The restarted poller (the lock was released) picks up the rest.
    result = mailbox_poll(account=imap_account)
    assert result.fetched == 3 and message_ids() == expected(1, 2, 3, 4, 5)


def test_crash_before_the_resume_point_moved_refetches_without_duplicates(dovecot, imap_account):
    for n in (1, 2, 3):
        dovecot.append(mail(n))
    mailbox_poll(account=imap_account)
    # As if the process died after ingesting but before recording the UIDs.
    MailboxState.objects.filter(account=imap_account).update(last_uid=1)
    result = mailbox_poll(account=imap_account)
    assert result.fetched == 2 and result.outcomes == {"duplicate": 2}
    assert INBOUND.count() == 3


def test_uidvalidity_change_starts_over_and_keeps_messages_unique(dovecot, imap_account):
    imap_account.config["folder"] = "Pengaduan"
    imap_account.save()
    dovecot.append(mail(1), folder="Pengaduan")
    dovecot.append(mail(2), folder="Pengaduan")
    mailbox_poll(account=imap_account)
    before = MailboxState.objects.get(account=imap_account, folder="Pengaduan")
    assert before.last_uid == 2

    # The server renumbers the folder (recreated): old mail returns under new UIDs, with new mail.
    conn = dovecot.connect()
    conn.delete('"Pengaduan"')
    conn.logout()
    import time

    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock
    dovecot.append(mail(2), folder="Pengaduan")
    dovecot.append(mail(3), folder="Pengaduan")
    assert dovecot.uidvalidity("Pengaduan") != before.uidvalidity

    result = mailbox_poll(account=imap_account)
    assert result.uidvalidity_reset
    assert result.outcomes == {"duplicate": 1, "processed": 1}
    assert message_ids() == expected(1, 2, 3)
    after = MailboxState.objects.get(account=imap_account, folder="Pengaduan")
    assert after.uidvalidity == dovecot.uidvalidity("Pengaduan") and after.last_uid == 2


def test_processed_mail_can_be_moved(dovecot, imap_account):
    conn = dovecot.connect()
    conn.create('"Diproses"')
    conn.logout()
    imap_account.config["move_to"] = "Diproses"
    imap_account.save()
    dovecot.append(mail(1))
    dovecot.append(mail(2))
    assert mailbox_poll(account=imap_account).fetched == 2
    assert dovecot.flags("INBOX") == {}
    assert len(dovecot.flags("Diproses")) == 2
    assert message_ids() == expected(1, 2)


def test_wrong_password_is_recorded_not_raised(dovecot, imap_account, monkeypatch):
    monkeypatch.setenv("CURHAT_KOTAK_SURAT_PASSWORD", "salah")
    dovecot.append(mail(1))
    result = mailbox_poll(account=imap_account)
    assert result.error and not INBOUND.exists()
    assert MailboxState.objects.get(account=imap_account).last_error


def test_only_a_successful_poll_counts_as_the_last_poll(monkeypatch):
    """Issue 18's tester: a failed poll reset curhat_imap_last_poll_age_seconds, so a mailbox that
    could not be reached for hours looked freshly polled. (No Dovecot needed: the port is closed.)"""
    import datetime as dt
    import re
    import socket

    from django.utils import timezone

    from channels.models import ChannelAccount
    from curhat.metrics import exposition

    with socket.socket() as probe:  # a port nobody listens on: a real connection refused
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("CURHAT_KOTAK_TUTUP_PASSWORD", "rahasia")
    account = ChannelAccount.objects.create(
        slug="kotak-tutup",
        name="Email kantor",
        channel="email",
        provider="email_imap",
        address="curhat@kantor.test",
        config={"host": "127.0.0.1", "port": closed_port, "security": "none", "username": "u", "timeout": 5},
    )
    long_ago = timezone.now() - dt.timedelta(hours=2)
    MailboxState.objects.create(account=account, folder="INBOX", last_polled_at=long_ago)
    result = mailbox_poll(account=account)
    assert "ConnectionRefused" in result.error
    state = MailboxState.objects.get(account=account)
    assert state.last_polled_at == long_ago and "ConnectionRefused" in state.last_error
    text = exposition().decode()
    age = float(
        re.search(r'^curhat_imap_last_poll_age_seconds\{mailbox="[^"]*"\} (\S+)$', text, re.M).group(1)
    )
    assert age >= 7000


def test_beat_task_polls_every_active_mailbox(dovecot, imap_account):
    dovecot.append(mail(1))
    assert tasks.imap_poll_all.delay().get() == 1
    assert message_ids() == expected(1)


@pytest.mark.worker
def test_real_worker_polls_the_mailbox(dovecot, imap_account, celery_worker):
    dovecot.append(mail(1))
    dovecot.append(mail(2))
    tasks.imap_poll_all.delay()
    wait_for(lambda: INBOUND.count() == 2, timeout=30, message="worker to ingest the mailbox")
    assert message_ids() == expected(1, 2)


@pytest.fixture
def tls_dovecot():
    server = DovecotServer(tls=True).start()
    yield server
    server.close()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_is_verified(tls_dovecot, imap_account, security):
    port = tls_dovecot.imaps_port if security == "ssl" else tls_dovecot.port
    imap_account.config.update({"port": port, "security": security})
    imap_account.save()
    tls_dovecot.append(mail(1))
    # A certificate nobody vouches for is refused (verification is never switched off) ...
    refused = mailbox_poll(account=imap_account)
    assert "CERTIFICATE_VERIFY_FAILED" in refused.error and not INBOUND.exists()
    # ... and accepted with the server's CA.
    imap_account.config["ca_file"] = str(tls_dovecot.cert)
    imap_account.save()
    result = mailbox_poll(account=imap_account)
    assert result.error == "" and message_ids() == expected(1)
