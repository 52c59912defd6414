"""Replies on WhatsApp through Meta's Cloud API.

``POST {CURHAT_GRAPH_API_BASE_URL}/{CURHAT_GRAPH_API_VERSION}/{phone-number-id}/messages`` with the
account's ``access_token`` as a bearer token; JSON ``{"messaging_product": "whatsapp", "to": <wa id>,
"type": "text", "text": {"body": ...}}`` inside the 24-hour window, ``"type": "template"`` outside it
(``config["reply_template"] = {"name": ..., "language": "id", "variables": ["reference", "body"]}``).
https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages

We call the Graph API with ``requests``, not facebook-sdk: its last release (3.1.0, 2018) refuses any
version above 3.1 in ``GraphAPI(version=...)`` ("Version number should be in the following format"),
while Meta only serves recent versions (we pin ``CURHAT_GRAPH_API_VERSION``). A JSON POST with a
bearer token is all we need; the SDK would add nothing but that check.

The Cloud API takes no idempotency key and cannot list sent messages, so there is no ``reconcile``:
a send interrupted by a dying worker is "in doubt" and left to the operator (tickets/relay/delivery.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from channels.outbound import (
    http_error,
    http_request,
    json_body,
    require_secret,
    template_value,
    whatsapp_send,
    whatsapp_window_open,
)
from tickets.identities import whatsapp_id
from tickets.relay.senders import SendError, SendResult

if TYPE_CHECKING:
    from channels.models import ChannelAccount
    from tickets.models import Message, Ticket

PROVIDER = "meta_whatsapp"
# Graph error codes that mean "later" (rate limits, temporary trouble), whatever the HTTP status.
# https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
TRANSIENT_CODES = frozenset(
    {"1", "2", "4", "17", "341", "80007", "130429", "131000", "131016", "131056", "133004"}
)
# Re-engagement: more than 24 hours since the citizen wrote. Free text refused; templates go.
WINDOW_CLOSED_CODES = frozenset({"131047"})
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
    if window_open is None:
        window_open = whatsapp_window_open(message.ticket)
    base = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": whatsapp_id(to)}
    if window_open:
        payload = {**base, "type": "text", "text": {"preview_url": False, "body": message.body}}
        try:
            return _post(account, payload, variant="text")
        except SendError as error:
            if error.code not in WINDOW_CLOSED_CODES or not _template(account):
                raise
    return _send_template(message, account, base)


def _template(account: ChannelAccount) -> dict[str, Any]:
    template = (account.config or {}).get("reply_template") or {}
    return template if template.get("name") else {}


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
    values = [template_value(message, name) for name in names]
    payload = {
        **base,
        "type": "template",
        "template": {
            "name": template["name"],
            "language": {"code": template.get("language", "id")},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": value} for value in values]}
            ],
        },
    }
    result = _post(account, payload, variant=f"template:{template['name']}")
    return SendResult(
        provider_message_id=result.provider_message_id,
        variant=result.variant,
        http_status=result.http_status,
        kind="template",
        meta={"template": {"name": template["name"], "variables": values}},
    )


def graph_url(node: str) -> str:
    return f"{settings.CURHAT_GRAPH_API_BASE_URL}/{settings.CURHAT_GRAPH_API_VERSION}/{node}/messages"


def graph_post(url: str, token: str, payload: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """POST to the Graph API; returns (body, status) or raises a classified SendError. Shared with
    Messenger."""
    response = http_request("POST", url, json=payload, headers={"Authorization": f"Bearer {token}"})
    body = json_body(response)
    if response.status_code >= 400:
        # {"error": {"message", "type", "code", "error_subcode", "error_data": {"details"}, "fbtrace_id"}}
        error = body.get("error") or {}
        details = (error.get("error_data") or {}).get("details") or ""
        reason = " — ".join(part for part in (str(error.get("message") or ""), str(details)) if part)
        raise http_error(
            response, code=str(error.get("code") or ""), reason=reason, transient_codes=TRANSIENT_CODES
        )
    return body, response.status_code


def _post(account: ChannelAccount, payload: dict[str, Any], *, variant: str) -> SendResult:
    phone_number_id = (account.config or {}).get("phone_number_id") or account.address
    try:
        body, status = graph_post(
            graph_url(phone_number_id), require_secret(account, "access_token"), payload
        )
    except SendError as error:
        error.variant = variant
        raise
    messages = body.get("messages") or [{}]
    wamid = str(messages[0].get("id") or "")
    if not wamid:
        raise SendError("Graph API menjawab tanpa id pesan.", permanent=True, code="bad_response")
    return SendResult(provider_message_id=wamid, variant=variant, http_status=status)
