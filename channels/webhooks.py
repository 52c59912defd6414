"""The one webhook view every provider's inbound side goes through.

Contract (DESIGN §5.1): refuse oversized bodies before reading them (413) → verify the signature
(403, nothing stored) → commit the raw InboundEvent in its own short transaction (database down:
503, so the provider retries) → parse (malformed: 400 with the reason, event marked ``rejected``)
→ apply each normalized item through the ticket services (a failure marks the event ``error`` and
still answers 200: the inbox shows it and ``manage.py replay_events`` re-runs it after a fix).

A provider's ``inbound`` module says only how to verify and parse; optionally it sets
``HANDSHAKE = True`` (Meta's GET verification) and ``respond(event, items, report)`` when the
provider expects a body back (Twilio TwiML).
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from .errors import MalformedPayload, PayloadTooLarge, ProviderUnavailable, UnknownAccount, WebhookError
from .models import ChannelAccount, InboundEvent
from .processing import event_apply, event_outcome_record, event_parse
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
    """A generous per-IP cap (``CURHAT_WEBHOOK_RATE_PER_IP``, empty: none) against floods of posts."""
    rate = settings.CURHAT_WEBHOOK_RATE_PER_IP
    if not rate:
        return False
    return is_ratelimited(
        request, group=f"webhook-{provider}", key="ip", rate=rate, method="POST", increment=True
    )


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

    def _account(self, provider: str, account_slug: str) -> ChannelAccount:
        package = provider_package(provider)
        provider_value = getattr(package, "PROVIDER", provider)
        account = ChannelAccount.objects.filter(
            slug=account_slug, provider=provider_value, is_active=True
        ).first()
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
        if _flooded(request, provider):
            # Before anything is read or stored: the provider retries later, nothing is lost.
            return JsonResponse(
                {"error": "terlalu banyak permintaan dari alamat ini; coba lagi nanti"},
                status=429,
                headers={"Retry-After": "60"},
            )
        limit = settings.CURHAT_WEBHOOK_MAX_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise PayloadTooLarge(f"isi permintaan {declared} byte melebihi batas {limit} byte")
        body = request.body
        if len(body) > limit:
            raise PayloadTooLarge(f"isi permintaan melebihi batas {limit} byte")
        try:
            account = self._account(provider, account_slug)
        except DatabaseError:
            logger.exception("webhook %s/%s: database unavailable", provider, account_slug)
            return HttpResponse("database unavailable", status=503, headers={"Retry-After": "30"})

        inbound.verify(request, account)  # SignatureError → 403, nothing stored

        try:
            # One INSERT in autocommit mode: its own short transaction, committed before any work.
            event = InboundEvent.objects.create(
                provider=account.provider,
                account=account,
                headers=self._kept_headers(request),
                content_type=request.META.get("CONTENT_TYPE", "")[:200],
                body=body,
            )
        except DatabaseError:
            logger.exception("webhook %s/%s: could not store the event", provider, account_slug)
            return HttpResponse("database unavailable", status=503, headers={"Retry-After": "30"})

        try:
            items = event_parse(event)
        except MalformedPayload as exc:
            self._record(event, InboundEvent.Outcome.REJECTED, exc.reason)
            return _refusal(exc)
        except Exception as exc:  # a parser bug: the event is kept for replay, the provider is answered
            logger.exception("event %s: parser failed", event.pk)
            self._record(event, InboundEvent.Outcome.ERROR, f"{type(exc).__name__}: {exc}")
            return self._respond(inbound, event, [], None)

        report = None
        try:
            report = event_apply(event, items)
        except Exception as exc:
            logger.exception("event %s: could not be applied", event.pk)
            self._record(event, InboundEvent.Outcome.ERROR, f"{type(exc).__name__}: {exc}")
        return self._respond(inbound, event, items, report)

    # --- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _kept_headers(request: HttpRequest) -> dict[str, str]:
        kept = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
        # The path and query string are part of what Twilio signs and tells us which callback it is.
        kept["path"] = request.path
        kept["query"] = request.META.get("QUERY_STRING", "")
        return kept

    @staticmethod
    def _record(event: InboundEvent, outcome: str, reason: str) -> None:
        try:
            event_outcome_record(event, outcome=outcome, reason=reason[:4000])
        except DatabaseError:
            logger.exception("event %s: outcome %s could not be recorded", event.pk, outcome)

    @staticmethod
    def _respond(inbound, event: InboundEvent, items, report) -> HttpResponse:
        respond = getattr(inbound, "respond", None)
        if respond is not None:
            try:
                return respond(event, items, report)
            except Exception:  # the event is stored; the provider still gets its 200
                logger.exception("event %s: provider answer failed", event.pk)
        return JsonResponse({"status": "ok", "event": event.pk})
