"""Twilio Voice: TwiML in Bahasa Indonesia, and one ticket message per call however many callbacks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from channels.models import ChannelAccount, InboundEvent
from channels.providers.twilio_voice.inbound import CALLBACKS, office_hours_open
from tests.support import at_wita
from tickets.models import Attachment, Message, Ticket

from .webhook_base import TwilioSigned

CALL_SID = "CA5f6e7d8c9b0a1f2e3d4c5b6a7980a1b2"
ALWAYS = {"office_days": [0, 1, 2, 3, 4, 5, 6], "office_hours": "00:00-24:00"}
NEVER: dict[str, list[int]] = {"office_days": []}


def twiml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 (our own TwiML)


class TestTwilioVoiceWebhook(TwilioSigned):
    provider = "twilio_voice"
    channel = "phone"
    sample = "incoming"
    address = "+62811428227"
    office = ALWAYS

    def account_config(self) -> dict:
        return {"operator_number": "+62811428000", **self.office}

    def test_inside_office_hours_dials_the_operators(self, client, account):
        root = twiml(self.post(client, "incoming"))
        says = [say.text for say in root.iter("Say")]
        assert all(say.attrib["language"] == "id-ID" for say in root.iter("Say"))
        assert any("sambungkan ke petugas" in text for text in says)
        dial = root.find("Dial")
        assert dial.find("Number").text == "+62811428000"
        assert dial.attrib["action"].startswith(
            "https://curhat.example.go.id/webhooks/twilio_voice/akun-uji/"
        )
        assert dial.attrib["action"].endswith("?event=dial")
        message = Message.objects.get()
        assert (message.kind, message.provider_message_id, message.channel) == ("call", CALL_SID, "phone")
        assert message.body == "Panggilan masuk"

    def test_unanswered_dial_falls_back_to_voicemail(self, client, account):
        self.post(client, "incoming")
        root = twiml(self.post(client, "dial_no_answer", query="event=dial"))
        assert root.find("Record") is not None
        assert "sibuk" in root.find("Say").text
        assert Message.objects.get().meta["call"]["dial_status"] == "no-answer"

    def test_answered_dial_hangs_up_and_keeps_talk_time(self, client, account):
        self.post(client, "incoming")
        root = twiml(self.post(client, "dial_completed", query="event=dial"))
        assert root.find("Hangup") is not None
        assert Message.objects.get().meta["call"]["talk_seconds"] == 95

    def test_callbacks_describe_one_message_never_a_second(self, client, account, settings):
        settings.CURHAT_AFTER_INGEST_TASKS = []
        self.post(client, "incoming")
        self.post(client, "recording", query="event=recording")
        self.post(client, "transcription", query="event=transcription")
        self.post(client, "status_completed", query="event=status")
        self.post(client, "status_completed", query="event=status")  # redelivered
        assert Message.objects.count() == 1 and Ticket.objects.count() == 1
        call = Message.objects.get().meta["call"]
        assert call["duration_seconds"] == 127 and call["status"] == "completed"
        assert call["voicemail"] is True
        assert call["transcript"].startswith("Selamat malam, saya mau tanya syarat pindah domisili")
        assert call["recording_url"].endswith("/Recordings/RE0a1b2c3d4e5f60718293a4b5c6d7e8f9")
        recording = Attachment.objects.get()
        assert recording.source_url.endswith("RE0a1b2c3d4e5f60718293a4b5c6d7e8f9.mp3")
        assert recording.download_status == Attachment.DownloadStatus.PENDING
        assert InboundEvent.objects.order_by("id").last().outcome == InboundEvent.Outcome.DUPLICATE

    def test_callbacks_are_recognized_without_the_event_parameter(self, client, account, settings):
        settings.CURHAT_AFTER_INGEST_TASKS = []
        self.post(client, "incoming")
        self.post(client, "status_completed")
        self.post(client, "transcription")
        call = Message.objects.get().meta["call"]
        assert call["duration_seconds"] == 127 and "transcript" in call

    def test_a_late_callback_for_an_unseen_call_still_makes_one_message(self, client, account):
        self.post(client, "status_completed", query="event=status")
        self.post(client, "status_completed", query="event=status")
        assert Message.objects.get().meta["call"]["duration_seconds"] == 127


class TestTwilioVoiceOutsideOfficeHours(TwilioSigned):
    provider = "twilio_voice"
    channel = "phone"
    sample = "incoming"
    address = "+62811428227"

    def account_config(self) -> dict:
        return {"operator_number": "+62811428000", "transcribe": True, **NEVER}

    def test_outside_office_hours_records_a_voicemail(self, client, account):
        root = twiml(self.post(client, "incoming"))
        assert root.find("Dial") is None
        record = root.find("Record")
        assert record.attrib["action"].endswith("?event=recording")
        assert record.attrib["transcribeCallback"].endswith("?event=transcription")
        assert "di luar jam layanan" in " ".join(say.text for say in root.iter("Say"))
        thanks = twiml(self.post(client, "recording", query="event=recording"))
        assert "Terima kasih" in thanks.find("Say").text


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at_wita(2026, 11, 27, 8, 0), True),  # Friday 08:00 WITA
        (at_wita(2026, 11, 27, 15, 59), True),
        (at_wita(2026, 11, 27, 16, 0), False),
        (at_wita(2026, 11, 28, 10, 0), False),  # Saturday
        (at_wita(2026, 11, 30, 7, 59), False),  # Monday, before opening
    ],
)
def test_office_hours_are_local_wita(moment, open_, settings):
    settings.CURHAT_VOICE_OFFICE_DAYS = [0, 1, 2, 3, 4]
    settings.CURHAT_VOICE_OFFICE_HOURS = "08:00-16:00"
    account = ChannelAccount(slug="x", provider="twilio_voice", channel="phone", config={})
    assert office_hours_open(account=account, at=moment) is open_


def test_callback_table_covers_every_callback():
    assert set(CALLBACKS) == {"incoming", "status", "dial", "recording", "transcription"}
