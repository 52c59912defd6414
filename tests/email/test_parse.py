"""From raw mail to tickets: decoding, HTML, attachments, threading, idempotency, loop protection."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from channels.models import ChannelAccount, InboundEvent, Provider
from channels.providers.email.inbound import RFC822, email_event_process, email_event_store, parse
from channels.providers.email.parse import LOOP_RULES, MalformedMail, OwnIdentity, html_to_text, mail_parse
from tickets.models import Attachment, Message, Ticket

from .conftest import OFFICE, eml

pytestmark = pytest.mark.django_db

# Only what citizens sent: other features (auto-acknowledgement) may add outbound messages.
INBOUND = Message.objects.filter(direction="in")


@pytest.fixture
def account():
    return ChannelAccount.objects.create(
        slug="kotak-surat", name="Email kantor", channel="email", provider=Provider.EMAIL_IMAP, address=OFFICE
    )


def deliver(raw: bytes, account=None) -> InboundEvent:
    event = email_event_store(
        provider=Provider.EMAIL_IMAP, body=raw, content_type=RFC822, headers={}, account=account
    )
    email_event_process(event=event)
    event.refresh_from_db()
    return event


def test_plain_mail_opens_an_email_ticket(account):
    event = deliver(eml("plain.eml"), account)
    assert event.outcome == "processed", event.reason
    message = INBOUND.get()
    assert message.channel == "email" and message.provider == "email_imap"
    assert message.provider_message_id == "<CAK1plain0001@mail.example.co.id>"
    assert message.body.startswith("Selamat pagi, apa saja syarat membuat KK baru")
    ticket = message.ticket
    assert ticket.channel == "email" and ticket.subject == "Syarat KK baru" and ticket.account == account
    assert ticket.contact.name == "Rahma Pratiwi"
    assert list(ticket.contact.identities.values_list("kind", "value")) == [
        ("email", "rahma.pratiwi@example.co.id")
    ]
    # The Date header (WITA 09:15) is when the citizen wrote.
    assert timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M") == "2026-03-02 09:15"
    assert message.meta["event_id"] == event.pk


def test_same_message_id_twice_is_one_message(account):
    first = deliver(eml("plain.eml"), account)
    second = deliver(eml("plain.eml"), account)
    assert (first.outcome, second.outcome) == ("processed", "duplicate")
    assert INBOUND.count() == 1 and Ticket.objects.count() == 1


def test_rfc2047_headers_are_decoded(account):
    deliver(eml("rfc2047.eml"), account)
    message = INBOUND.get()
    assert message.ticket.subject == "Akta kelahiran anak – terlambat lapor (café)"
    assert message.ticket.contact.name == "Siti Nur’aini"
    assert message.body == "Anak saya lahir 14 bulan lalu — apakah masih perlu penetapan pengadilan?"


def test_latin1_label_is_read_as_windows_1252(account):
    deliver(eml("latin1.eml"), account)
    message = INBOUND.get()
    assert message.body == "Saya pindah dari Makassar, café “SKPWNI” sudah ada. Biaya € 0?"
    # An 8-bit From header without RFC 2047 still gives a readable name.
    assert message.ticket.contact.name == "José"


def test_windows_1252_body(account):
    deliver(eml("cp1252.eml"), account)
    assert INBOUND.get().body == "KTP-el saya hilang – perlu surat “kehilangan” dari polisi?"


def test_html_only_mail_becomes_plain_text(account):
    deliver(eml("html_only.eml"), account)
    body = INBOUND.get().body
    assert body == (
        "Halo & selamat pagi,\n\nBagaimana cara cetak KIA?\n\n- anak umur 4 tahun\n\n- sudah punya akta\n\nklik"
    )
    for unsafe in ("<", "alert", "color: red", "javascript"):
        assert unsafe not in body


def test_html_to_text_drops_markup_and_keeps_entities_as_text():
    assert html_to_text("<p>1 &lt; 2</p><script>x()</script>") == "1 < 2"


def test_attachments_are_content_checked(account, settings):
    deliver(eml("attachment.eml"), account)
    message = INBOUND.get()
    assert message.body == "Berikut foto KK dan surat keterangan."
    attachments = {a.original_name: a for a in Attachment.objects.filter(message=message)}
    assert set(attachments) == {"kk.png", "surat keterangan.pdf", "virus.exe"}
    assert attachments["kk.png"].content_type == "image/png"
    assert attachments["kk.png"].download_status == "stored" and attachments["kk.png"].file
    assert attachments["surat keterangan.pdf"].content_type == "application/pdf"
    # Refused by content, still recorded so the operator sees something was sent.
    assert attachments["virus.exe"].download_status == "rejected"
    assert not attachments["virus.exe"].file


def test_oversized_attachment_is_refused(account, settings):
    settings.CURHAT_MAX_ATTACHMENT_BYTES = 50
    deliver(eml("attachment.eml"), account)
    png = Attachment.objects.get(original_name="kk.png")
    assert png.download_status == "rejected" and "terlalu besar" in png.download_error


def test_reply_threads_by_in_reply_to_and_by_reference(account):
    deliver(eml("plain.eml"), account)
    ticket = Ticket.objects.get()
    reply = (
        b"From: rahma.pratiwi@example.co.id\r\nTo: curhat@kantor.test\r\n"
        b"Subject: Re: Syarat KK baru\r\nMessage-ID: <reply-1@example.co.id>\r\n"
        b"In-Reply-To: <CAK1plain0001@mail.example.co.id>\r\n"
        b"References: <CAK1plain0001@mail.example.co.id>\r\n\r\nSatu lagi: perlu pengantar RT?\r\n"
    )
    by_reference = (
        b"From: rahma.pratiwi@example.co.id\r\nTo: curhat@kantor.test\r\n"
        + f"Subject: Pertanyaan lanjutan [{ticket.reference}]\r\n".encode()
        + b"Message-ID: <reply-2@example.co.id>\r\n\r\nDan untuk KIA?\r\n"
    )
    Ticket.objects.filter(pk=ticket.pk).update(last_activity_at=timezone.now() - timezone.timedelta(days=30))
    deliver(reply, account)
    deliver(by_reference, account)
    assert Ticket.objects.count() == 1
    assert list(ticket.messages.values_list("provider_message_id", flat=True)) == [
        "<CAK1plain0001@mail.example.co.id>",
        "<reply-1@example.co.id>",
        "<reply-2@example.co.id>",
    ]


def test_reply_ids_and_reference_are_parsed():
    raw = (
        b"From: a@example.com\r\nSubject: Re: [CA-2026-000123] KK\r\nMessage-ID: <m3@x>\r\n"
        b"In-Reply-To: <m2@x>\r\nReferences: <m0@x> <m1@x>\r\n <m2@x>\r\n\r\nok\r\n"
    )
    parsed = mail_parse(raw, provider="email_imap", received_at=timezone.now())
    assert parsed.message.reply_to_ids == ("<m2@x>", "<m1@x>", "<m0@x>")
    assert parsed.message.ticket_reference == "CA-2026-000123"


LOOP_FIXTURES = {
    "auto_submitted.eml": "Auto-Submitted",
    "x_autoreply.eml": "X-Autoreply",
    "x_autorespond.eml": "X-Autorespond",
    "precedence_bulk.eml": "Precedence: bulk",
    "precedence_junk.eml": "Precedence: junk",
    "precedence_list.eml": "Precedence: list",
    "bounce_dsn.eml": "multipart/report",
    "mailer_daemon.eml": "MAILER-DAEMON",
    "own_from.eml": "curhat@kantor.test",
    "own_message_id.eml": "curhat-adminduk.local",
}


@pytest.mark.parametrize(("fixture", "reason"), LOOP_FIXTURES.items())
def test_loops_never_open_a_ticket(account, fixture, reason):
    event = deliver(eml(fixture), account)
    assert event.outcome == "ignored"
    assert reason in event.reason
    assert not Ticket.objects.exists() and not INBOUND.exists()
    assert parse(event) == []


def test_every_loop_rule_has_a_fixture():
    own = OwnIdentity(addresses=frozenset({OFFICE}), message_id_domains=frozenset({"curhat-adminduk.local"}))
    from channels.providers.email.parse import loop_reason, parse_message

    hit = set()
    for fixture in LOOP_FIXTURES:
        msg = parse_message(eml(fixture))
        for name, rule in LOOP_RULES.items():
            if rule(msg, own):
                hit.add(name)
                break
    assert hit == set(LOOP_RULES)
    assert loop_reason(parse_message(eml("plain.eml")), own) == ""


def test_auto_submitted_no_is_a_person(account):
    assert deliver(eml("auto_submitted_no.eml"), account).outcome == "processed"


def test_mail_without_message_id_is_still_idempotent(account):
    first = deliver(eml("no_message_id.eml"), account)
    second = deliver(eml("no_message_id.eml"), account)
    assert (first.outcome, second.outcome) == ("processed", "duplicate")
    assert INBOUND.get().provider_message_id.startswith("<sha256-")


def test_mail_without_sender_is_rejected_with_reason(account):
    event = deliver(eml("no_sender.eml"), account)
    assert event.outcome == "rejected" and "pengirim" in event.reason
    assert not Ticket.objects.exists()


def test_garbage_never_crashes(account):
    event = deliver(b"\x00\xff\xfe not a mail at all", account)
    assert event.outcome in ("rejected", "error")
    assert not Ticket.objects.exists()


def test_replay_events_reprocesses_a_stored_mail(account):
    from django.core.management import call_command

    pending = email_event_store(
        provider=Provider.EMAIL_IMAP, body=eml("plain.eml"), content_type=RFC822, headers={}, account=account
    )
    loop = email_event_store(
        provider=Provider.EMAIL_IMAP,
        body=eml("bounce_dsn.eml"),
        content_type=RFC822,
        headers={},
        account=account,
    )
    call_command("replay_events", pending.pk, loop.pk, stdout=io.StringIO())
    pending.refresh_from_db()
    loop.refresh_from_db()
    assert pending.outcome == "processed" and loop.outcome == "ignored"
    assert INBOUND.get().provider_message_id == "<CAK1plain0001@mail.example.co.id>"


def test_generic_webhook_url_does_not_take_mail(client, account):
    response = client.post(
        f"/webhooks/email/{account.slug}/", b"From: a@b.c\r\n\r\nhi", content_type="message/rfc822"
    )
    assert response.status_code == 404
    assert not InboundEvent.objects.exists()


def test_active_imap_account_without_password_fails_the_system_check(account, monkeypatch):
    from channels.checks import channel_secrets_check

    errors = channel_secrets_check()
    assert any("kotak-surat" in error.msg and "password" in error.msg for error in errors)
    monkeypatch.setenv("CURHAT_KOTAK_SURAT_PASSWORD", "app-password")
    assert not [error for error in channel_secrets_check() if "kotak-surat" in error.msg]


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    headers=st.lists(
        st.tuples(
            st.sampled_from(
                ["From", "Subject", "Message-ID", "In-Reply-To", "References", "Date", "Content-Type"]
            ),
            st.text(max_size=60),
        ),
        max_size=8,
    ),
    body=st.binary(max_size=300),
)
def test_parser_never_fails_other_than_malformed(headers, body):
    raw = b"".join(f"{name}: {value}".encode("utf-8", "surrogatepass") + b"\r\n" for name, value in headers)
    try:
        parsed = mail_parse(raw + b"\r\n" + body, provider="email_imap", received_at=timezone.now())
    except MalformedMail:
        return
    if parsed.message is not None:
        assert parsed.message.sender.value and parsed.message.provider_message_id
