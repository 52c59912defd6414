"""The one webhook view every provider's inbound side goes through.

Contract (DESIGN §5.1), acknowledged at the floor of the stack: refuse oversized bodies before
reading them (413) → verify the signature (403, nothing stored) → parse in memory (malformed: 400
with the reason, the event kept as ``rejected``) → commit the raw InboundEvent as ``pending`` in one
INSERT (database down: 503, so the provider retries) → answer. Applying the event to contacts,
tickets and messages happens after the answer, out of the request (channels/pipeline.py): workers
drain the queue, or, on the embedded default, this process right after its commit.

A provider's ``inbound`` module says only how to verify and parse; optionally it sets
``HANDSHAKE = True`` (Meta's GET verification) and ``respond(event, items, report)`` when the
provider expects a body back (Twilio TwiML, built from the event and the settings alone; ``report``
is None: nothing has been applied yet).
"""

from __future__ import annotations

import hmac
import logging
import time

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from curhat.requestid import REQUEST_ID_HEADER_KEY, get_request_id

from .errors import MalformedPayload, PayloadTooLarge, ProviderUnavailable, UnknownAccount, WebhookError
from .models import ChannelAccount, InboundEvent, InboundEventKey
from .pipeline import order_keys, queue_wake_inline
from .processing import event_parse
from .registry import provider_inbound, provider_package

logger = logging.getLogger(__name__)

# Headers kept with the raw event (for inspection and replay); never cookies or auth headers.
KEPT_HEADERS = (
    "Content-Type",
    "User-Agent",
    "X-Twilio-Signature",
    "I-Twilio-Idempotency-Token",
    "X-Hub-Signature-256",
)


def _flooded(request: HttpRequest, provider: str) -> bool:
    """A generous per-IP cap (``CURHAT_WEBHOOK_RATE_PER_IP``, empty: none) against floods of signed
    posts. Fails open: the request's signature has verified, and a cache outage (Redis down) must
    not turn a provider's genuine events away."""
    rate = settings.CURHAT_WEBHOOK_RATE_PER_IP
    if not rate:
        return False
    try:
        return is_ratelimited(
            request, group=f"webhook-{provider}", key="ip", rate=rate, method="POST", increment=True
        )
    except Exception as exc:  # the cache is unreachable: count nothing, accept the signed event
        logger.warning("webhook rate limit unavailable (%s: %s); accepting", type(exc).__name__, exc)
        return False


# Accounts change rarely (an admin edits one); the webhook looks them up on every post. A short
# per-process memory saves that query (``CURHAT_WEBHOOK_ACCOUNT_MEMORY_SECONDS``); a change saved
# in this process is seen at once, one saved by another process within that many seconds.
_accounts: dict[tuple[str, str], tuple[float, ChannelAccount | None]] = {}


def accounts_forget(**kwargs) -> None:
    """Drop the remembered accounts (on any ChannelAccount save or delete)."""
    _accounts.clear()


def _refusal(error: WebhookError) -> JsonResponse:
    return JsonResponse({"error": error.reason}, status=error.status)


@method_decorator(csrf_exempt, name="dispatch")
class ProviderWebhookView(View):
    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except WebhookError as exc:
            return _refusal(exc)

    # --- lookups ---------------------------------------------------------------------------------
    def _inbound(self, provider: str):
        inbound = provider_inbound(provider)
        if inbound is None:
            raise ProviderUnavailable(f"penyedia tidak dikenal: {provider}")
        return inbound

    def _account(self, provider: str, account_slug: str, *, remembered: bool = False) -> ChannelAccount:
        package = provider_package(provider)
        provider_value = getattr(package, "PROVIDER", provider)
        key = (provider_value, account_slug)
        now = time.monotonic()
        memory = _accounts.get(key) if remembered else None
        if memory is not None and now - memory[0] < settings.CURHAT_WEBHOOK_ACCOUNT_MEMORY_SECONDS:
            account = memory[1]
        else:
            account = ChannelAccount.objects.filter(
                slug=account_slug, provider=provider_value, is_active=True
            ).first()
            if remembered:
                _accounts[key] = (now, account)
        if account is None:
            raise UnknownAccount(f"akun kanal tidak dikenal: {account_slug}")
        return account

    # --- GET: Meta's subscription handshake --------------------------------------------------------
    def get(self, request: HttpRequest, provider: str, account_slug: str) -> HttpResponse:
        inbound = self._inbound(provider)
        if not getattr(inbound, "HANDSHAKE", False):
            return HttpResponse(status=405, headers={"Allow": "POST"})
        try:
            account = self._account(provider, account_slug)
        except DatabaseError:
            return HttpResponse("database unavailable", status=503, headers={"Retry-After": "30"})
        # https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
        mode = request.GET.get("hub.mode", "")
        token = request.GET.get("hub.verify_token", "")
        challenge = request.GET.get("hub.challenge", "")
        accepted = account.secret_values("verify_token")
        if mode != "subscribe" or not token or not challenge:
            return JsonResponse(
                {"error": "hub.mode/hub.verify_token/hub.challenge tidak lengkap"}, status=400
            )
        if not any(hmac.compare_digest(token.encode(), value.encode()) for value in accepted):
            return JsonResponse({"error": "hub.verify_token tidak cocok"}, status=403)
        return HttpResponse(challenge, content_type="text/plain; charset=utf-8")

    # --- POST: an event --------------------------------------------------------------------------
    def post(self, request: HttpRequest, provider: str, account_slug: str) -> HttpResponse:
        inbound = self._inbound(provider)
        limit = settings.CURHAT_WEBHOOK_MAX_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise PayloadTooLarge(f"isi permintaan {declared} byte melebihi batas {limit} byte")
        if not declared and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # WSGI hands Django no body without a Content-Length: say so, instead of a signature
            # mismatch over an empty body (providers send Content-Length).
            return JsonResponse(
                {"error": "Content-Length diperlukan (isi chunked tidak diterima)"}, status=411
            )
        body = request.body
        if len(body) > limit:
            raise PayloadTooLarge(f"isi permintaan melebihi batas {limit} byte")
        try:
            account = self._account(provider, account_slug, remembered=True)
        except DatabaseError:
            logger.exception("webhook %s/%s: database unavailable", provider, account_slug)
            return HttpResponse("database unavailable", status=503, headers={"Retry-After": "30"})

        inbound.verify(request, account)  # SignatureError → 403, nothing stored

        if _flooded(request, provider):
            # Before anything is stored: the provider retries later, nothing is lost.
            return JsonResponse(
                {"error": "terlalu banyak permintaan dari alamat ini; coba lagi nanti"},
                status=429,
                headers={"Retry-After": "60"},
            )

        event = InboundEvent(
            provider=account.provider,
            account=account,
            headers=self._kept_headers(request),
            content_type=request.META.get("CONTENT_TYPE", "")[:200],
            body=body,
        )
        refusal = None
        items: list = []
        keys: list[str] = []
        try:
            items = event_parse(event)
            keys = order_keys(items)
            event.order_key = keys[0] if keys else ""
        except MalformedPayload as exc:  # kept for inspection, never applied
            event.outcome, event.reason, refusal = InboundEvent.Outcome.REJECTED, exc.reason[:4000], exc
        except Exception as exc:  # a parser bug: kept for replay after a fix; the provider gets its 200
            logger.exception("webhook %s/%s: parser failed", provider, account_slug)
            event.outcome = InboundEvent.Outcome.ERROR
            event.reason = f"{type(exc).__name__}: {exc}"[:4000]
        if event.outcome != InboundEvent.Outcome.PENDING:
            event.processed_at = event.received_at
            event.attempts = 1
        try:
            # One INSERT in autocommit mode: committed before the answer (PostgreSQL's trigger wakes
            # the workers at that commit).
            if len(keys) > 1:  # several citizens in one request (Meta batches): each keeps its order
                with transaction.atomic():
                    event.save(force_insert=True)
                    InboundEventKey.objects.bulk_create(
                        InboundEventKey(event=event, key=key) for key in keys[1:]
                    )
            else:
                event.save(force_insert=True)
        except DatabaseError:
            logger.exception("webhook %s/%s: could not store the event", provider, account_slug)
            return HttpResponse("database unavailable", status=503, headers={"Retry-After": "30"})
        if refusal is not None:
            return _refusal(refusal)
        if event.outcome == InboundEvent.Outcome.PENDING:
            queue_wake_inline()
        return self._respond(inbound, event, items, None)

    # --- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _kept_headers(request: HttpRequest) -> dict[str, str]:
        kept = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
        # The path and query string are part of what Twilio signs and tells us which callback it is.
        kept["path"] = request.path
        kept["query"] = request.META.get("QUERY_STRING", "")
        # The request id (the proxy's X-Request-ID or ours): the inbound worker logs under it.
        request_id = get_request_id()
        if request_id:
            kept[REQUEST_ID_HEADER_KEY] = request_id
        return kept

    @staticmethod
    def _respond(inbound, event: InboundEvent, items, report) -> HttpResponse:
        respond = getattr(inbound, "respond", None)
        if respond is not None:
            try:
                return respond(event, items, report)
            except Exception:  # the event is stored; the provider still gets its 200
                logger.exception("event %s: provider answer failed", event.pk)
        return JsonResponse({"status": "ok", "event": event.pk})
