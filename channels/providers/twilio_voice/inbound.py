"""Twilio Voice webhooks. One call (CallSid) is one ticket message, however many callbacks.
References: https://www.twilio.com/docs/voice/twiml#request-parameters,
https://www.twilio.com/docs/voice/api/call-resource#statuscallback,
https://www.twilio.com/docs/voice/twiml/record (action, transcribeCallback).

Twilio's own transcription is not known to support Bahasa Indonesia: the recording is the primary
artifact, a transcript is kept when one arrives.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from twilio.twiml.voice_response import VoiceResponse

from channels.models import ChannelAccount, InboundEvent
from channels.payloads import form_body, query_params, required
from channels.signatures import twilio_signature_verify
from tickets.inbound import InboundCall, Sender

from . import CHANNEL, PROVIDER

logger = logging.getLogger(__name__)

SAY = {"language": "id-ID"}
GREETING = "Selamat datang di layanan Curhat Adminduk, {office}."
CONNECTING = "Mohon tunggu, panggilan Anda sedang kami sambungkan ke petugas."
CLOSED = (
    "Saat ini di luar jam layanan. Silakan tinggalkan pesan setelah bunyi beep, sebutkan nama dan "
    "keperluan Anda. Kami akan menghubungi Anda kembali pada jam kerja."
)
BUSY = "Maaf, petugas kami sedang sibuk. Silakan tinggalkan pesan setelah bunyi beep."
THANKS = "Terima kasih, pesan Anda sudah kami terima."


def verify(request: HttpRequest, account: ChannelAccount) -> None:
    twilio_signature_verify(request=request, secrets=account.secret_values("auth_token"))


# --- office hours (WITA) ------------------------------------------------------------------------------
def _minutes(value: str) -> int:
    hours, _sep, minutes = value.strip().partition(":")
    total = int(hours) * 60 + int(minutes or 0)
    if not 0 <= total <= 24 * 60:
        raise ValueError(value)
    return total


def office_hours_open(*, account: ChannelAccount, at: dt.datetime) -> bool:
    """True when ``at`` falls inside the account's office hours (local time, Asia/Makassar).
    A configuration we cannot read counts as closed: the caller can still leave a voicemail."""
    config = account.config or {}
    days = config.get("office_days", settings.CURHAT_VOICE_OFFICE_DAYS)
    span = str(config.get("office_hours", settings.CURHAT_VOICE_OFFICE_HOURS))
    local = timezone.localtime(at)
    try:
        start, _sep, end = span.partition("-")
        open_days = {int(day) for day in days}
        start_minute, end_minute = _minutes(start), _minutes(end)
    except (TypeError, ValueError):
        logger.error("account %s: unreadable office hours %r / days %r", account.slug, span, days)
        return False
    if local.weekday() not in open_days:
        return False
    return start_minute <= local.hour * 60 + local.minute < end_minute


# --- parsing --------------------------------------------------------------------------------------
def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _callback_kind(event: InboundEvent, params: dict[str, str]) -> str:
    """Which callback this is: our TwiML and status-callback URLs say so in ``?event=``; for a
    number configured by hand, the parameters tell."""
    named = query_params(event).get("event", "")
    if named in CALLBACKS:
        return named
    if params.get("TranscriptionSid") or "TranscriptionText" in params:
        return "transcription"
    if params.get("RecordingUrl") or params.get("RecordingStatus"):
        return "recording"
    if params.get("DialCallStatus"):
        return "dial"
    if params.get("CallDuration") or params.get("CallStatus") in FINAL_STATES:
        return "status"
    return "incoming"


FINAL_STATES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def _call(
    params: dict[str, str], event: InboundEvent, *, caller_required: bool = False, **details
) -> InboundCall:
    """One callback as an ``InboundCall``. Only the first request of a call (``incoming``) must name
    the caller: status, recording and transcription callbacks need not carry ``From`` (recording
    status callbacks never do) and are attached to the call by ``CallSid``."""
    caller = required(params, "From", "form") if caller_required else params.get("From", "")
    return InboundCall(
        channel=CHANNEL,
        provider=PROVIDER,
        call_id=required(params, "CallSid", "form"),
        sender=Sender(kind="phone", value=caller, display_name=params.get("CallerName", "")),
        timestamp=event.received_at,
        raw={**params, "callback": _callback_kind(event, params)},
        **details,
    )


def _incoming(params, event):
    return _call(params, event, caller_required=True, status=params.get("CallStatus", "ringing"))


def _status(params, event):
    return _call(
        params, event, status=params.get("CallStatus", ""), duration_seconds=_int(params.get("CallDuration"))
    )


def _dial(params, event):
    return _call(
        params,
        event,
        status="answered"
        if params.get("DialCallStatus") == "completed"
        else params.get("DialCallStatus", ""),
        duration_seconds=_int(params.get("DialCallDuration")),
    )


def _recording(params, event):
    # Both <Record action="..."> (RecordingUrl, RecordingSid, RecordingDuration, Digits) and a
    # recordingStatusCallback (the same plus RecordingStatus, RecordingSource, ...; no From).
    recording_status = params.get("RecordingStatus", "")
    usable = recording_status in ("", "completed")
    return _call(
        params,
        event,
        status="voicemail",
        recording_url=params.get("RecordingUrl", "") if usable else "",
        recording_sid=params.get("RecordingSid", ""),
        recording_seconds=_int(params.get("RecordingDuration")),
        recording_status=recording_status or "completed",
    )


def _transcription(params, event):
    # transcribeCallback: TranscriptionStatus "completed" or "failed" (TranscriptionText then empty).
    transcription_status = params.get("TranscriptionStatus", "") or "completed"
    text = params.get("TranscriptionText", "") if transcription_status == "completed" else ""
    return _call(
        params,
        event,
        transcript=text,
        transcription_status=transcription_status,
        recording_url=params.get("RecordingUrl", ""),
        recording_sid=params.get("RecordingSid", ""),
    )


# Callback kind → how it describes the call. Each yields one InboundCall for the same CallSid.
CALLBACKS: dict[str, Callable[[dict[str, str], InboundEvent], InboundCall]] = {
    "incoming": _incoming,
    "status": _status,
    "dial": _dial,
    "recording": _recording,
    "transcription": _transcription,
}


def parse(event: InboundEvent) -> list[InboundCall]:
    params = form_body(event)
    return [CALLBACKS[_callback_kind(event, params)](params, event)]


# --- TwiML answers ----------------------------------------------------------------------------------
def _callback_url(event: InboundEvent, kind: str) -> str:
    path = (event.headers or {}).get("path", "")
    return f"{settings.PUBLIC_BASE_URL}{path}?event={kind}"


def _voicemail(response: VoiceResponse, event: InboundEvent, account: ChannelAccount) -> None:
    transcribe = bool((account.config or {}).get("transcribe", False))
    options = (
        {"transcribe": True, "transcribe_callback": _callback_url(event, "transcription")}
        if transcribe
        else {}
    )
    response.record(
        action=_callback_url(event, "recording"),
        max_length=int((account.config or {}).get("voicemail_seconds", 120)),
        play_beep=True,
        **options,
    )


def _twiml(response: VoiceResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


def respond(event: InboundEvent, items, report) -> HttpResponse:
    account = event.account
    response = VoiceResponse()
    try:
        kind = _callback_kind(event, form_body(event))
    except Exception:
        kind = "status"
    if kind == "incoming" and account is not None:
        response.say(GREETING.format(office=settings.CURHAT_OFFICE_NAME), **SAY)
        operator = (account.config or {}).get("operator_number") or settings.CURHAT_VOICE_OPERATOR_NUMBER
        if operator and office_hours_open(account=account, at=event.received_at):
            response.say(CONNECTING, **SAY)
            dial = response.dial(action=_callback_url(event, "dial"), timeout=25)
            dial.number(operator)
        else:
            response.say(CLOSED, **SAY)
            _voicemail(response, event, account)
    elif kind == "dial" and account is not None:
        params = form_body(event)
        if params.get("DialCallStatus") == "completed":
            response.hangup()
        else:
            response.say(BUSY, **SAY)
            _voicemail(response, event, account)
    elif kind == "recording":
        response.say(THANKS, **SAY)
        response.hangup()
    return _twiml(response)
