"""Correctly signed provider webhooks in the providers' documented shapes, for ``manage.py
simulate`` (a newcomer watches a message arrive on the embedded default) and the benchmark.

Each builder returns a ``SignedWebhook``: the path to POST to, the exact body bytes and the headers
the provider would send, signed with the account's current secret.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings

from tickets.identities import normalize_phone, whatsapp_id

from .models import ChannelAccount
from .signatures import meta_signature, twilio_signature


@dataclass(frozen=True)
class SignedWebhook:
    path: str
    body: bytes
    headers: dict[str, str]


def webhook_path(account: ChannelAccount) -> str:
    return f"/webhooks/{account.provider}/{account.slug}/"


def meta_whatsapp_text(
    account: ChannelAccount, *, sender: str, text: str, name: str = "", message_id: str = ""
) -> SignedWebhook:
    wa_id = whatsapp_id(normalize_phone(sender))
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": str((account.config or {}).get("waba_id", "102290129340398")),
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": account.address or "62811415227",
                                "phone_number_id": account.address or "109876543210",
                            },
                            "contacts": [{"profile": {"name": name or "Warga"}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": message_id or f"wamid.SIM{uuid.uuid4().hex}",
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    return SignedWebhook(
        webhook_path(account),
        body,
        {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": meta_signature(body, account.secret("app_secret")),
        },
    )


def messenger_text(account: ChannelAccount, *, sender: str, text: str, message_id: str = "") -> SignedWebhook:
    now_ms = int(time.time() * 1000)
    page_id = account.address or "104857600000001"
    payload = {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": now_ms,
                "messaging": [
                    {
                        "sender": {"id": "".join(ch for ch in sender if ch.isdigit())},
                        "recipient": {"id": page_id},
                        "timestamp": now_ms,
                        "message": {"mid": message_id or f"m_SIM{uuid.uuid4().hex}", "text": text},
                    }
                ],
            }
        ],
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    return SignedWebhook(
        webhook_path(account),
        body,
        {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": meta_signature(body, account.secret("app_secret")),
        },
    )


def _twilio_signed(account: ChannelAccount, params: dict[str, str], query: str = "") -> SignedWebhook:
    path = webhook_path(account) + (f"?{query}" if query else "")
    signature = twilio_signature(
        url=settings.PUBLIC_BASE_URL + path, params=params, auth_token=account.secret("auth_token")
    )
    return SignedWebhook(
        path,
        urlencode(params).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )


def _account_sid(account: ChannelAccount) -> str:
    return (account.config or {}).get("account_sid") or account.secret("account_sid") or "AC" + "0" * 32


def twilio_whatsapp_text(
    account: ChannelAccount, *, sender: str, text: str, name: str = "", message_sid: str = ""
) -> SignedWebhook:
    e164 = normalize_phone(sender)
    sid = message_sid or "SM" + uuid.uuid4().hex
    params = {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": name or "Warga",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": whatsapp_id(e164),
        "SmsStatus": "received",
        "Body": text,
        "To": f"whatsapp:{account.address or '+62811415227'}",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": _account_sid(account),
        "From": f"whatsapp:{e164}",
        "ApiVersion": "2010-04-01",
    }
    return _twilio_signed(account, params)


def twilio_voice_call(
    account: ChannelAccount, *, sender: str, call_sid: str = "", duration: int | None = None
) -> list[SignedWebhook]:
    """The incoming-call webhook, then (with ``duration``) the completed-call status callback."""
    e164 = normalize_phone(sender)
    sid = call_sid or "CA" + uuid.uuid4().hex
    common = {
        "AccountSid": _account_sid(account),
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "Called": account.address or "+62811428227",
        "Caller": e164,
        "Direction": "inbound",
        "From": e164,
        "To": account.address or "+62811428227",
    }
    hooks = [_twilio_signed(account, {**common, "CallStatus": "ringing"})]
    if duration is not None:
        hooks.append(
            _twilio_signed(
                account,
                {
                    **common,
                    "CallStatus": "completed",
                    "CallDuration": str(duration),
                    "Duration": str(max(1, duration // 60)),
                },
                query="event=status",
            )
        )
    return hooks
