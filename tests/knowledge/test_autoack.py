"""Auto-acknowledgement and routing of a new ticket: the classifier's decision, the office-hours
texts, idempotency, and the acknowledgement reaching the provider stand-ins with the checklist."""

from __future__ import annotations

import datetime as dt

import pytest

from channels.models import ChannelAccount
from tests.factories import inbound, staff_user
from tests.standins import ProviderStandIn
from tests.support import at_wita, wait_for
from tickets.ingest import ticket_ingest
from tickets.knowledge.autoack import ticket_autoack, within_office_hours
from tickets.knowledge.entries import knowledge_entry_save
from tickets.models import KnowledgeEntry, Message, Ticket, TopicSuggestion
from tickets.relay.outbox import message_reply_create

pytestmark = pytest.mark.django_db

META_PHONE_NUMBER_ID = "106540352242999"
META_TOKEN = "EAAG-token-autoack"
TWILIO_SID = "AC" + "ab12" * 8
TWILIO_TOKEN = "twilio-token-autoack"
TUESDAY_10 = at_wita(2026, 11, 24, 10, 0)
SATURDAY_10 = at_wita(2026, 11, 28, 10, 0)
TUESDAY_20 = at_wita(2026, 11, 24, 20, 0)


def acks(ticket: Ticket) -> list[Message]:
    return list(ticket.messages.filter(direction=Message.Direction.OUT, meta__autoack=True))


@pytest.fixture
def ingest(seeded, django_capture_on_commit_callbacks):
    """Ingest like a webhook does: commit, then the after-ingest tasks run (in-process)."""

    def run(text: str, account=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return ticket_ingest(message=inbound(text=text, **fields), account=account)

    return run


def test_confident_topic_is_applied_and_the_checklist_acknowledged(ingest):
    result = ingest("Assalamualaikum min, KTP saya hilang di pasar. syaratnya apa?")
    ticket = Ticket.objects.select_related("topic", "department").get(pk=result.ticket.pk)
    assert ticket.topic.code == "ktp-el" and ticket.department.code == "dafduk"
    suggestion = TopicSuggestion.objects.get(ticket=ticket)
    assert suggestion.applied and suggestion.entry.slug == "ktp-el-hilang-rusak"
    assert suggestion.confidence >= 0.6 and suggestion.matched
    [ack] = acks(ticket)
    assert ack.author is None and ack.channel == "whatsapp"
    assert ticket.reference in ack.body
    assert "*Syarat KTP-el hilang atau rusak*" in ack.body
    assert "1. Surat keterangan kehilangan dari kepolisian" in ack.body
    assert "/persyaratan/ktp-el-hilang-rusak/" in ack.body
    assert ack.meta["knowledge_entry"] == "ktp-el-hilang-rusak"


def test_low_confidence_is_only_suggested_and_the_ack_links_the_index(ingest):
    result = ingest("selamat pagi, mau tanya soal domisili saya")
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.topic_id is None and ticket.department_id is None
    suggestion = TopicSuggestion.objects.get(ticket=ticket)
    assert suggestion.topic.code == "pindah" and not suggestion.applied and suggestion.confidence < 0.6
    [ack] = acks(ticket)
    assert ticket.reference in ack.body and "Syarat" not in ack.body
    assert ack.body.rstrip().endswith("/persyaratan/")


def test_confident_topic_without_a_specific_service_lists_its_variants(ingest):
    ticket = ingest("syarat bikin kk baru apa saja?").ticket
    [ack] = acks(ticket)
    assert "Persyaratan Kartu Keluarga (KK) tergantung keperluannya:" in ack.body
    assert "/persyaratan/kk-baru-pisah-kk/" in ack.body and "/persyaratan/kk-hilang-rusak/" in ack.body


def test_operator_topic_is_not_overwritten(seeded, settings):
    settings.CURHAT_AFTER_INGEST_TASKS = []
    result = ticket_ingest(message=inbound(text="akte lahir anak saya gimana"))
    Ticket.objects.filter(pk=result.ticket.pk).update(topic=seeded_topic("kk"))
    assert ticket_autoack(message_id=result.message.pk, now=TUESDAY_10) == "acknowledged"
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.topic.code == "kk"
    suggestion = ticket.topic_suggestion
    assert suggestion.topic.code == "akta-kelahiran" and not suggestion.applied
    assert "*Syarat Akta kelahiran*" in acks(ticket)[0].body  # the checklist is still the right one


def test_topic_chosen_on_the_form_answers_a_vague_question(seeded, settings):
    settings.CURHAT_AFTER_INGEST_TASKS = []
    vague = ticket_ingest(message=inbound(text="mohon info syaratnya apa saja ya", sender="081200000009"))
    Ticket.objects.filter(pk=vague.ticket.pk).update(topic=seeded_topic("akta-kelahiran"))
    ticket_autoack(message_id=vague.message.pk, now=TUESDAY_10)
    [ack] = acks(vague.ticket)
    assert "*Syarat Akta kelahiran*" in ack.body
    assert not vague.ticket.topic_suggestion.applied


def seeded_topic(code):
    from tickets.models import Topic

    return Topic.objects.get(code=code)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (TUESDAY_10, True),
        (TUESDAY_20, False),
        (SATURDAY_10, False),
        (at_wita(2026, 11, 24, 7, 59), False),
        (at_wita(2026, 11, 24, 16, 0), False),
        (TUESDAY_10.astimezone(dt.UTC), True),  # 02:00 UTC is 10:00 WITA
    ],
)
def test_office_hours_are_wita_working_days(db, moment, inside):
    assert within_office_hours(moment) is inside


def test_public_holiday_is_outside_office_hours(db):
    from tickets.models import PublicHoliday

    PublicHoliday.objects.create(date=TUESDAY_10.date(), name="Libur uji")
    assert within_office_hours(TUESDAY_10) is False


def test_after_hours_text_differs(seeded, settings):
    settings.CURHAT_AFTER_INGEST_TASKS = []
    settings.CURHAT_AUTOACK_AFTER_HOURS_TEXT = (
        "Di luar jam layanan ({jam_layanan}). Tiket {nomor_tiket} {salah}"
    )
    inside = ticket_ingest(message=inbound(text="surat pindah ke makassar", sender="081200000001"))
    outside = ticket_ingest(message=inbound(text="surat pindah ke makassar", sender="081200000002"))
    ticket_autoack(message_id=inside.message.pk, now=TUESDAY_10)
    ticket_autoack(message_id=outside.message.pk, now=SATURDAY_10)
    [inside_ack], [outside_ack] = acks(inside.ticket), acks(outside.ticket)
    assert inside_ack.body.startswith(
        "Terima kasih telah menghubungi Curhat Adminduk Disdukcapil Kota Parepare"
    )
    assert "di luar jam layanan" not in inside_ack.body.lower()
    assert outside_ack.body.startswith(
        f"Di luar jam layanan (Senin–Jumat 08.00–16.00 WITA). Tiket {outside.ticket.reference} {{salah}}"
    )
    # Both carry the checklist, marked as to be confirmed (the pindah entry is unconfirmed).
    for ack in (inside_ack, outside_ack):
        assert "*Syarat Pindah keluar (surat pindah / SKPWNI)*" in ack.body
        assert "perlu dicek kantor" in ack.body


def test_runs_once_per_ticket_and_only_for_its_first_message(ingest):
    first = ingest("kk saya hilang kena banjir")
    second = ingest("oh ya, sekalian KTP saya juga rusak")
    assert second.ticket == first.ticket and not second.ticket_created
    assert len(acks(first.ticket)) == 1
    assert ticket_autoack(message_id=first.message.pk) == "skipped"  # a retried task
    assert ticket_autoack(message_id=second.message.pk) == "skipped"
    assert ticket_autoack(message_id=999999) == "skipped"
    assert len(acks(first.ticket)) == 1
    assert TopicSuggestion.objects.filter(ticket=first.ticket).count() == 1


def test_no_ack_when_an_operator_already_replied_or_disabled(seeded, settings):
    settings.CURHAT_AFTER_INGEST_TASKS = []
    answered = ticket_ingest(message=inbound(text="akta kematian syaratnya", sender="081200000003"))
    message_reply_create(ticket=answered.ticket, author=staff_user("op-cepat"), body="Sudah saya jawab.")
    assert ticket_autoack(message_id=answered.message.pk) == "classified"
    assert acks(answered.ticket) == []
    assert Ticket.objects.get(pk=answered.ticket.pk).topic.code == "akta-kematian"
    settings.CURHAT_AUTOACK_ENABLED = False
    quiet = ticket_ingest(message=inbound(text="akta kematian syaratnya", sender="081200000004"))
    assert ticket_autoack(message_id=quiet.message.pk) == "classified"
    assert acks(quiet.ticket) == []
    settings.CURHAT_AUTOACK_ENABLED = True
    settings.CURHAT_AUTOACK_CHANNELS = ["email"]
    other = ticket_ingest(message=inbound(text="akta kematian syaratnya", sender="081200000005"))
    assert ticket_autoack(message_id=other.message.pk) == "classified"


def test_website_ticket_gets_the_tracking_link_and_email_the_full_version(ingest):
    web = ingest(
        "Syarat akta kelahiran untuk bayi baru lahir?",
        channel="website",
        provider="website",
        sender_kind="email",
        sender="warga@example.com",
        provider_message_id="web-1",
    ).ticket
    [ack] = acks(web)
    assert f"/lacak/{web.tracking_token}/" in ack.body
    assert "*Syarat Akta kelahiran*" in ack.body
    mail = ingest(
        "Syarat akta kelahiran untuk bayi baru lahir?",
        channel="email",
        provider="email_imap",
        sender_kind="email",
        sender="warga2@example.com",
        provider_message_id="<a1@example.com>",
        subject="Tanya akta",
    ).ticket
    [ack] = acks(mail)
    assert "Persyaratan Akta kelahiran" in ack.body and "Dasar hukum:" in ack.body
    assert "/lacak/" not in ack.body


def test_subject_counts_for_email(ingest):
    ticket = ingest(
        "Mohon informasinya. Terima kasih.",
        channel="email",
        provider="email_imap",
        sender_kind="email",
        sender="warga3@example.com",
        provider_message_id="<a2@example.com>",
        subject="Cara aktivasi IKD",
    ).ticket
    assert Ticket.objects.get(pk=ticket.pk).topic.code == "ikd"


# --- through the relay to the provider stand-ins ---------------------------------------------------


@pytest.fixture
def standin():
    server = ProviderStandIn().start()
    server.add_graph_node(META_PHONE_NUMBER_ID, META_TOKEN)
    server.add_twilio_account(TWILIO_SID, TWILIO_TOKEN)
    yield server
    server.stop()


@pytest.fixture
def live(settings, standin):
    settings.CURHAT_SANDBOX = False
    settings.CURHAT_GRAPH_API_BASE_URL = standin.base_url
    settings.CURHAT_TWILIO_API_BASE_URL = standin.base_url
    settings.CURHAT_PROVIDER_TIMEOUT_SECONDS = 3
    return standin


def test_ack_reaches_the_meta_whatsapp_stand_in_with_the_checklist(ingest, live):
    account = ChannelAccount.objects.create(
        slug="wa-meta-kb",
        name="WA",
        channel="whatsapp",
        provider="meta_whatsapp",
        address=META_PHONE_NUMBER_ID,
        secrets={"access_token": META_TOKEN},
    )
    result = ingest(
        "min mau numpang kk di rumah om saya, syaratnya apa ya",
        provider="meta_whatsapp",
        sender="6281234567890",
        account=account,
    )
    [request] = live.wait_for(1, "whatsapp", accepted=True)  # the stand-in checked the bearer token
    assert request.json["to"] == "6281234567890" and request.json["type"] == "text"
    body = request.json["text"]["body"]
    assert result.ticket.reference in body
    assert "*Syarat Numpang KK / tinggal di rumah orang lain (sewa, kos)*" in body
    assert "1. Surat pernyataan tidak keberatan dari pemilik rumah" in body
    [ack] = acks(result.ticket)
    ack.refresh_from_db()
    assert ack.status == Message.Status.SENT and ack.provider_message_id.startswith("wamid.")


def test_ack_reaches_the_twilio_stand_in_with_the_checklist(ingest, live):
    account = ChannelAccount.objects.create(
        slug="wa-twilio-kb",
        name="WA Twilio",
        channel="whatsapp",
        provider="twilio_whatsapp",
        address="+62811415227",
        secrets={"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN},
    )
    result = ingest(
        "akte kematian bapak saya syaratnya apa",
        provider="twilio_whatsapp",
        sender="+6281234567891",
        provider_message_id="SM" + "1" * 32,
        account=account,
    )
    [request] = live.wait_for(1, "twilio", accepted=True)
    assert request.value("To") == "whatsapp:+6281234567891"
    assert "*Syarat Akta kematian*" in request.value("Body")
    assert result.ticket.reference in request.value("Body")


def test_ack_does_not_count_as_the_first_response(ingest):
    """The relay delivers it (sandbox here) but the ticket still waits for an operator's answer."""
    ticket = ingest("kk saya hilang kena banjir").ticket
    [ack] = acks(ticket)
    ack.refresh_from_db()
    assert ack.status == Message.Status.SENT
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == Ticket.Status.NEW


# --- a real worker (PostgreSQL + Redis pass) --------------------------------------------------------


@pytest.mark.worker
def test_worker_classifies_and_acknowledges_through_the_broker(transactional_db, purge_broker, standin):
    from tests.support import WorkerProcess, set_eager
    from tickets.knowledge.entries import knowledge_seed

    knowledge_seed()
    account = ChannelAccount.objects.create(
        slug="wa-meta-worker",
        name="WA",
        channel="whatsapp",
        provider="meta_whatsapp",
        address=META_PHONE_NUMBER_ID,
        secrets={"access_token": META_TOKEN},
    )
    set_eager(False)
    worker = WorkerProcess(
        extra_env={
            "CURHAT_SANDBOX": "0",
            "CURHAT_GRAPH_API_BASE_URL": standin.base_url,
            "CURHAT_PROVIDER_TIMEOUT_SECONDS": "3",
        }
    ).start()
    try:
        result = ticket_ingest(
            message=inbound(text="Syarat bikin KIA anak umur 3 tahun?", provider="meta_whatsapp"),
            account=account,
        )
        [request] = standin.wait_for(1, "whatsapp", timeout=60)
        assert "*Syarat Kartu Identitas Anak (KIA)*" in request.json["text"]["body"]
        assert result.ticket.reference in request.json["text"]["body"]
        ticket = wait_for(
            lambda: Ticket.objects.filter(pk=result.ticket.pk, topic__code="kia").first(), message="topic set"
        )
        assert ticket.department.code == "dafduk"
    finally:
        worker.stop()
        set_eager(True)


def test_messenger_ack_stays_within_the_send_api_limit(seeded, settings):
    settings.CURHAT_AFTER_INGEST_TASKS = []
    entry = KnowledgeEntry.objects.get(slug="kia")
    entry.notes = "\n".join(f"Catatan panjang nomor {n} tentang KIA." for n in range(80))
    knowledge_entry_save(entry=entry)
    result = ticket_ingest(
        message=inbound(
            text="syarat KIA anak saya apa ya",
            channel="facebook",
            provider="messenger",
            sender_kind="facebook_psid",
            sender="24536475869701234",
            provider_message_id="m_kia1",
        )
    )
    ticket_autoack(message_id=result.message.pk, now=TUESDAY_10)
    [ack] = acks(result.ticket)
    assert len(ack.body) <= 2000
    assert "1. Di bawah 5 tahun: fotokopi akta kelahiran" in ack.body
    assert "Catatan panjang" not in ack.body and "/persyaratan/kia/" in ack.body
