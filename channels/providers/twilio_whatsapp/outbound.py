"""Replies on WhatsApp through Twilio's Messages API.

``POST {CURHAT_TWILIO_API_BASE_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json``, HTTP basic auth
(Account SID, auth token), form body ``From=whatsapp:+62…``, ``To=whatsapp:+62…`` and ``Body`` (plus
``MediaUrl`` per attachment). https://www.twilio.com/docs/messaging/api/message-resource

Outside the 24-hour window since the citizen's last message WhatsApp refuses free text (Twilio error
63016): we send the account's approved Content template instead, ``ContentSid`` + ``ContentVariables``
(``config["reply_template"] = {"content_sid": "HX…", "variables": ["reference", "body"]}``; variable
names: reference, body, contact_name, office). https://www.twilio.com/docs/content/send-templates-created-with-the-content-template-builder

Twilio documents ``I-Twilio-Idempotency-Token`` on the webhooks it sends *us*, not as a promise that
the Messages API drops a repeated create: we send our key in it anyway (harmless, and useful if
honoured) but exactly-once rests on :func:`reconcile`, which reads the Messages list (``GET
…/Messages.json?To=&From=``) to see whether an interrupted send was created.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse

from channels.outbound import (
    http_error,
    http_request,
    json_body,
    require_account,
    require_secret,
    template_value,
    whatsapp_send,
    whatsapp_window_open,
)
from tickets.relay.senders import SendError, SendResult, contact_identity, idempotency_token

if TYPE_CHECKING:
    from channels.models import ChannelAccount
    from tickets.models import Message, Ticket

PROVIDER = "twilio_whatsapp"
# Twilio codes that mean "later" although the HTTP status is a 4xx (20429: too many requests).
TRANSIENT_CODES = frozenset({"20429"})
# Free text refused because the 24-hour session is closed: fall back to the template.
WINDOW_CLOSED_CODES = frozenset({"63016"})
DEFAULT_TEMPLATE_VARIABLES = ("reference", "body")


def can_send_freeform(ticket: Ticket) -> bool:
    return whatsapp_window_open(ticket)


def template_ready(account: ChannelAccount | None) -> bool:
    """Whether a reply outside the 24-hour window can go out (as the account's approved template)."""
    return account is not None and bool(_template(account))


def send(message: Message) -> SendResult:
    return whatsapp_send(message, deliver)


def deliver(
    message: Message, *, account: ChannelAccount, to: str, window_open: bool | None = None
) -> SendResult:
    """Send ``message`` to the E.164 number ``to`` from ``account`` (also used by website relays)."""
    if window_open is None:
        window_open = whatsapp_window_open(message.ticket)
    base = {"From": f"whatsapp:{account.address}", "To": f"whatsapp:{to}"}
    callback = status_callback_url(account)
    if callback:
        base["StatusCallback"] = callback
    if window_open:
        try:
            return _create(account, message, {**base, **_free_text(message)}, variant="text")
        except SendError as error:
            if error.code not in WINDOW_CLOSED_CODES or not _template(account):
                raise
            # Our clock said the window was open, WhatsApp says closed: the template still may go.
    return _send_template(message, account, base)


def status_callback_url(account: ChannelAccount) -> str:
    """Where Twilio reports sent/delivered/read/failed: the account's own webhook (it parses status
    callbacks too), or ``config["status_callback_url"]`` ("" turns callbacks off)."""
    configured = (account.config or {}).get("status_callback_url")
    if configured is not None:
        return configured
    path = reverse("channels:webhook", kwargs={"provider": account.provider, "account_slug": account.slug})
    return settings.PUBLIC_BASE_URL + path


def _free_text(message: Message) -> dict[str, Any]:
    form: dict[str, Any] = {"Body": message.body}
    media = list((message.meta or {}).get("media_urls", []))
    if media:
        form["MediaUrl"] = media
    return form


def _template(account: ChannelAccount) -> dict[str, Any]:
    template = (account.config or {}).get("reply_template") or {}
    return template if template.get("content_sid") else {}


def _send_template(message: Message, account: ChannelAccount, base: dict[str, Any]) -> SendResult:
    template = _template(account)
    if not template:
        raise SendError(
            "Lebih dari 24 jam sejak pesan terakhir warga: WhatsApp hanya menerima templat yang "
            "disetujui, dan akun ini belum punya templat balasan (config reply_template).",
            permanent=True,
            code="window_closed",
        )
    names = template.get("variables") or DEFAULT_TEMPLATE_VARIABLES
    variables = {str(i): template_value(message, name) for i, name in enumerate(names, start=1)}
    form = {
        **base,
        "ContentSid": template["content_sid"],
        "ContentVariables": json.dumps(variables, ensure_ascii=False),
    }
    result = _create(account, message, form, variant=f"template:{template['content_sid']}")
    return SendResult(
        provider_message_id=result.provider_message_id,
        variant=result.variant,
        http_status=result.http_status,
        kind="template",
        meta={"template": {"content_sid": template["content_sid"], "variables": variables}},
    )


# --- the Messages API (shared with SMS in twilio_voice) ------------------------------------------


def account_sid(account: ChannelAccount) -> str:
    sid = account.secret("account_sid") or (account.config or {}).get("account_sid", "")
    if not sid:
        raise SendError(
            f"Akun {account.slug} belum punya Account SID Twilio.", permanent=True, code="missing_secret"
        )
    return sid


def messages_url(account: ChannelAccount) -> str:
    return f"{settings.CURHAT_TWILIO_API_BASE_URL}/2010-04-01/Accounts/{account_sid(account)}/Messages.json"


def messages_create(account: ChannelAccount, form: dict[str, Any], *, token: str) -> tuple[str, int]:
    """Create a Message resource; returns (sid, HTTP status) or raises a classified SendError."""
    response = http_request(
        "POST",
        messages_url(account),
        data=form,
        auth=(account_sid(account), require_secret(account, "auth_token")),
        headers={"I-Twilio-Idempotency-Token": token, "Accept": "application/json"},
    )
    body = json_body(response)
    if response.status_code >= 400:
        # Twilio error body: {"code": 21211, "message": "...", "more_info": "...", "status": 400}
        code = str(body.get("code") or "")
        reason = str(body.get("message") or response.reason or "")
        raise http_error(response, code=code, reason=reason, transient_codes=TRANSIENT_CODES)
    sid = str(body.get("sid") or "")
    if not sid:
        raise SendError("Twilio menjawab tanpa sid.", permanent=True, code="bad_response")
    return sid, response.status_code


def _create(account: ChannelAccount, message: Message, form: dict[str, Any], *, variant: str) -> SendResult:
    try:
        sid, status = messages_create(account, form, token=idempotency_token(message))
    except SendError as error:
        error.variant = variant
        raise
    return SendResult(provider_message_id=sid, variant=variant, http_status=status)


def messages_find(
    account: ChannelAccount, *, to: str, from_: str, since: dt.datetime, body: str | None
) -> list[dict[str, Any]]:
    """Messages Twilio created to ``to`` from ``from_`` since ``since`` (newest first), matching
    ``body`` when given. Raises SendError when Twilio cannot be asked."""
    response = http_request(
        "GET",
        messages_url(account),
        params={"To": to, "From": from_, "PageSize": 50},
        auth=(account_sid(account), require_secret(account, "auth_token")),
        headers={"Accept": "application/json"},
    )
    if response.status_code >= 400:
        raise http_error(response, code=str(json_body(response).get("code") or ""), reason="reconcile")
    found = []
    for item in json_body(response).get("messages") or []:
        try:
            created = email.utils.parsedate_to_datetime(item.get("date_created") or "")
        except (TypeError, ValueError):
            continue
        # A few seconds of slack for clock skew between us and Twilio.
        if created < since - dt.timedelta(seconds=10):
            continue
        if body is not None and (item.get("body") or "") != body:
            continue
        found.append(item)
    return found


def reconcile_with(
    message: Message,
    *,
    account: ChannelAccount,
    to: str,
    from_: str,
    since: dt.datetime,
    body: str | None,
) -> str | None:
    """The sid of the Message resource an interrupted send created, or None if there is none.

    Free text is recognised by its body; a template's body is rendered by Twilio (``body=None``), so
    then any message from us to the citizen since the attempt began that no other reply of ours
    claims is taken."""
    from tickets.models import Message as MessageModel

    candidates = messages_find(account, to=to, from_=from_, since=since, body=body)
    claimed = set(
        MessageModel.objects.filter(
            provider=message.provider, provider_message_id__in=[c.get("sid") for c in candidates]
        ).values_list("provider_message_id", flat=True)
    )
    for candidate in reversed(candidates):  # oldest first: the interrupted attempt's own
        if candidate.get("sid") and candidate["sid"] not in claimed:
            return str(candidate["sid"])
    return None


def reconcile(message: Message, *, since: dt.datetime) -> str | None:
    account = require_account(message)
    phone = contact_identity(message.ticket, "phone")
    return reconcile_with(
        message,
        account=account,
        to=f"whatsapp:{phone}",
        from_=f"whatsapp:{account.address}",
        since=since,
        body=message.body if whatsapp_window_open(message.ticket) else None,
    )
