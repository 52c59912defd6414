"""ESP inbound webhooks (Mailgun, SendGrid, Postmark, Amazon SES) through django-anymail.

anymail knows each ESP's request format and authentication (basic auth from
``ANYMAIL["WEBHOOK_SECRET"]``, Mailgun's HMAC signature); its views answer 400 when it fails. Our
subclasses add store-first: once the request is authenticated its raw body is committed as an
``InboundEvent`` before anything is parsed, then anymail's ``inbound`` signal reaches
:func:`anymail_inbound_received`, which hands the mail to the same code as the IMAP poller.
A replay (``replay_events``) rebuilds the request from the stored event and lets anymail parse it
again (``esp_requests``: the table of ESPs, by the key each view stores).
"""

from __future__ import annotations

import contextvars
import logging
import warnings
from typing import TYPE_CHECKING

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.signals import inbound
from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden

from channels.models import ChannelAccount, InboundEvent, Provider

from .esp_requests import raw_mail
from .inbound import email_event_process, email_event_store

if TYPE_CHECKING:
    from anymail.signals import AnymailInboundEvent
    from django.dispatch import Signal

logger = logging.getLogger(__name__)

# The event stored for the request being handled, for the signal receiver (same thread, same request).
_current_event: contextvars.ContextVar[InboundEvent | None] = contextvars.ContextVar(
    "curhat_anymail_event", default=None
)

# Request headers kept with the event (never Authorization): what anymail's parsing may look at.
_KEPT_META = ("CONTENT_TYPE", "HTTP_USER_AGENT", "HTTP_X_AMZ_SNS_MESSAGE_TYPE", "HTTP_X_AMZ_SNS_MESSAGE_ID")


def _anymail_account() -> ChannelAccount | None:
    return (
        ChannelAccount.objects.filter(provider=Provider.EMAIL_ANYMAIL, is_active=True).order_by("pk").first()
    )


if TYPE_CHECKING:

    class _AnymailInboundView:
        """What the mixin uses of the anymail view it is combined with (anymail has no type hints).
        For the type checker only: at run time the base is ``object``, so anymail's own attributes
        and methods are the ones found."""

        basic_auth: list[str] | None  # the accepted "user:pass" strings (ANYMAIL["WEBHOOK_SECRET"])
        esp_name: str
        signal: Signal

        def run_validators(self, request: HttpRequest) -> None: ...

        def parse_events(self, request: HttpRequest) -> list[AnymailInboundEvent]: ...

else:
    _AnymailInboundView = object


class StoreFirstInboundMixin(_AnymailInboundView):
    """Authenticate (anymail's validators), store the raw request, then parse and signal.

    Replaces anymail's ``post`` so that the raw request is committed before parsing, a database
    outage answers 503 (the ESP retries) and a body anymail cannot parse answers 400 with the reason
    (anymail would let the exception become a 500).
    """

    esp_key = ""
    # Verification is not optional: without WEBHOOK_SECRET anymail only warns; we refuse. Mailgun's
    # own signature (MAILGUN_WEBHOOK_SIGNING_KEY) is enough for it.
    requires_basic_auth = True
    # Amazon SNS sends basic auth only after a 401 challenge (anymail's SES view does the same).
    challenge_basic_auth = False

    def missing_configuration(self) -> str:
        """Which secret is missing for this ESP's webhook to be authenticated at all ('' if none)."""
        if self.requires_basic_auth and not self.basic_auth:
            return "ANYMAIL_WEBHOOK_SECRET"
        return ""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if self.challenge_basic_auth and self.basic_auth and not request.META.get("HTTP_AUTHORIZATION"):
            response = HttpResponse(status=401)
            response["WWW-Authenticate"] = 'Basic realm="Anymail WEBHOOK_SECRET"'
            return response
        missing = self.missing_configuration()
        if missing:
            return HttpResponseForbidden(f"webhook not configured: {missing}", content_type="text/plain")
        body = request.body  # read before the form is parsed, or it is gone
        try:
            self.run_validators(request)
        except AnymailWebhookValidationFailure as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        except (AnymailError, ValueError, KeyError) as exc:
            return HttpResponseBadRequest(
                f"malformed request: {exc}", content_type="text/plain; charset=utf-8"
            )
        try:
            event = email_event_store(
                provider=Provider.EMAIL_ANYMAIL,
                body=body,
                content_type=request.META.get("CONTENT_TYPE", ""),
                headers={
                    "esp": self.esp_key,
                    "path": request.path,
                    "meta": {name: request.META[name] for name in _KEPT_META if name in request.META},
                },
                account=_anymail_account(),
            )
        except DatabaseError:
            logger.exception("could not store %s inbound webhook", self.esp_key)
            return HttpResponse("temporarily unavailable", status=503, content_type="text/plain")
        try:
            esp_events = self.parse_events(request)
        except Exception as exc:  # anymail raises KeyError, AnymailConfigurationError, ... for bad shapes
            event.outcome = InboundEvent.Outcome.REJECTED
            event.reason = f"{type(exc).__name__}: {exc}"[:2000]
            event.save(update_fields=["outcome", "reason"])
            return HttpResponseBadRequest(
                f"cannot parse {self.esp_name} inbound request: {exc}",
                content_type="text/plain; charset=utf-8",
            )
        if not esp_events:  # e.g. an SNS subscription confirmation
            event.outcome = InboundEvent.Outcome.IGNORED
            event.reason = "tidak ada surat masuk dalam permintaan ini"
            event.save(update_fields=["outcome", "reason"])
        if settings.CURHAT_INBOUND_PROCESSING == "queue":
            # Acknowledged once stored and readable; the inbound workers apply it (the provider's
            # ``process``: the same parse again from the stored request, as replay_events does).
            return HttpResponse()
        token = _current_event.set(event)
        try:
            for esp_event in esp_events:
                self.signal.send(sender=self.__class__, event=esp_event, esp_name=self.esp_name)
        finally:
            _current_event.reset(token)
        return HttpResponse()


class MailgunInboundView(StoreFirstInboundMixin, MailgunInboundWebhookView):
    esp_key = "mailgun"
    requires_basic_auth = False

    def missing_configuration(self) -> str:
        # An empty signing key would accept signatures anyone can compute.
        if not self.webhook_signing_key and not self.basic_auth:
            return "MAILGUN_WEBHOOK_SIGNING_KEY"
        return ""


class SendGridInboundView(StoreFirstInboundMixin, SendGridInboundWebhookView):
    esp_key = "sendgrid"

    def __init__(self, **kwargs):
        # anymail warns that SendGrid is community-supported, on every request: once is enough.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            super().__init__(**kwargs)


class PostmarkInboundView(StoreFirstInboundMixin, PostmarkInboundWebhookView):
    esp_key = "postmark"


class AmazonSESInboundView(StoreFirstInboundMixin, AmazonSESInboundWebhookView):
    esp_key = "amazon_ses"
    challenge_basic_auth = True


@receiver(inbound, dispatch_uid="curhat-email-anymail-inbound")
def anymail_inbound_received(sender, event, esp_name: str, **kwargs) -> None:
    """anymail's inbound signal: ingest the mail through the same path as IMAP mail."""
    stored = _current_event.get()
    esp_key = getattr(sender, "esp_key", "") or esp_name.lower().replace(" ", "_")
    mail = raw_mail(esp_key, event)
    if stored is None:  # a view of anymail's own urls, not ours: keep the mail itself first
        stored = email_event_store(
            provider=Provider.EMAIL_ANYMAIL,
            body=mail.raw,
            content_type="message/rfc822",
            headers={"esp": esp_key},
            account=_anymail_account(),
        )
    email_event_process(event=stored, mails=[mail])
