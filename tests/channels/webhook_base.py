"""One base for every provider's webhook tests (after Zulip's WebhookTestCase and anymail's
webhook_cases): fixtures are read byte-exact from tests/fixtures/<provider>/, signed the way the
provider signs, and posted through Django's full request stack. Every subclass inherits the
signature tests (bad, missing, rotated secret) and the refusals every webhook must make."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.http import QueryDict

from channels.models import ChannelAccount, InboundEvent
from channels.signatures import meta_signature, twilio_signature
from tickets.models import Message, Ticket

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PUBLIC_BASE_URL = "https://curhat.example.go.id"  # not the test client's host: proxy-correctness


def fixture_bytes(provider: str, name: str) -> bytes:
    matches = sorted((FIXTURES / provider).glob(f"{name}.*"))
    assert matches, f"no fixture {provider}/{name}"
    return matches[0].read_bytes()


@pytest.mark.django_db
class WebhookClient:
    """A provider's account and a signed post of its fixtures (no tests of its own)."""

    provider = ""  # URL segment and Provider value
    channel = ""
    secret_name = ""  # the secret that signs
    content_type = ""
    sample = "text"  # a fixture that creates one message
    extra_secrets: dict[str, str] = {}
    slug = "akun-uji"
    current_secret = "rahasia-baru-2026"
    previous_secret = "rahasia-lama-2025"

    @pytest.fixture(autouse=True)
    def _public_url(self, settings):
        settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL

    @pytest.fixture
    def account(self, db) -> ChannelAccount:
        return ChannelAccount.objects.create(
            slug=self.slug,
            name=f"Uji {self.provider}",
            channel=self.channel,
            provider=self.provider,
            address=self.address,
            config=self.account_config(),
            # Rotation: the new secret first, the old one still accepted.
            secrets={self.secret_name: [self.current_secret, self.previous_secret], **self.extra_secrets},
        )

    address = ""

    def account_config(self) -> dict:
        return {}

    # --- how the provider signs -------------------------------------------------------------------
    def signature_headers(
        self, body: bytes, secret: str, path: str, content_type: str = ""
    ) -> dict[str, str]:
        raise NotImplementedError

    def path(self, query: str = "") -> str:
        return f"/webhooks/{self.provider}/{self.slug}/" + (f"?{query}" if query else "")

    def post(
        self,
        client,
        name: str | None = None,
        *,
        body: bytes | None = None,
        secret: str | None = None,
        query: str = "",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        sign: bool = True,
    ):
        payload = body if body is not None else fixture_bytes(self.provider, name or self.sample)
        path = self.path(query)
        content_type = content_type or self.content_type
        signed = (
            self.signature_headers(payload, secret or self.current_secret, path, content_type) if sign else {}
        )
        return client.post(
            path,
            data=payload,
            content_type=content_type,
            headers={**signed, **(headers or {})},
        )


class WebhookCase(WebhookClient):
    """The tests every provider's webhook inherits."""

    def test_sample_fixture_creates_one_ticket_message(self, client, account):
        response = self.post(client)
        assert response.status_code == 200, response.content
        assert Message.objects.filter(provider=self.provider).count() == 1
        message = Message.objects.get()
        assert message.account == account and message.channel == self.channel
        event = InboundEvent.objects.get()
        assert event.outcome == InboundEvent.Outcome.PROCESSED
        assert bytes(event.body) == fixture_bytes(self.provider, self.sample)

    def test_bad_signature_is_403_and_nothing_stored(self, client, account):
        response = self.post(client, secret="bukan-rahasianya")
        assert response.status_code == 403
        assert "cocok" in response.json()["error"]
        assert InboundEvent.objects.count() == 0 and Message.objects.count() == 0

    def test_missing_signature_is_403_and_nothing_stored(self, client, account):
        response = self.post(client, sign=False)
        assert response.status_code == 403
        assert InboundEvent.objects.count() == 0 and Ticket.objects.count() == 0

    def test_rotated_secret_still_verifies(self, client, account):
        assert self.post(client, secret=self.previous_secret).status_code == 200
        assert Message.objects.count() == 1

    def test_account_without_secret_refuses_everything(self, client, account):
        account.secrets = {}
        account.save()
        assert self.post(client).status_code == 403
        assert InboundEvent.objects.count() == 0

    def test_redelivery_changes_nothing(self, client, account):
        assert self.post(client).status_code == 200
        assert self.post(client).status_code == 200
        assert Message.objects.count() == 1 and Ticket.objects.count() == 1
        outcomes = list(InboundEvent.objects.order_by("id").values_list("outcome", flat=True))
        assert outcomes == [InboundEvent.Outcome.PROCESSED, InboundEvent.Outcome.DUPLICATE]

    def test_oversized_body_is_refused_before_parsing(self, client, account, settings):
        settings.CURHAT_WEBHOOK_MAX_BODY_BYTES = 64
        response = self.post(client)
        assert response.status_code == 413
        assert InboundEvent.objects.count() == 0

    def test_unknown_or_inactive_account_is_404(self, client, account):
        account.is_active = False
        account.save()
        assert self.post(client).status_code == 404
        assert InboundEvent.objects.count() == 0

    def test_wrong_content_type_is_400_with_reason_and_rejected(self, client, account):
        response = self.post(client, content_type="text/plain")
        assert response.status_code == 400
        assert "content type" in response.json()["error"]
        event = InboundEvent.objects.get()
        assert event.outcome == InboundEvent.Outcome.REJECTED and "content type" in event.reason
        assert Ticket.objects.count() == 0

    def test_invalid_utf8_is_400(self, client, account):
        body = fixture_bytes(self.provider, self.sample)
        response = self.post(client, body=body[:40] + b"\xff\xfe\xfa" + body[40:])
        assert response.status_code == 400
        assert "UTF-8" in response.json()["error"]
        assert Ticket.objects.count() == 0

    @pytest.mark.django_db(transaction=True)  # as in production: no test transaction around the view
    def test_database_down_is_503_and_nothing_stored(self, client, account):
        def refuse_event_insert(execute, sql, params, many, context):
            if "INSERT" in sql.upper() and "channels_inboundevent" in sql:
                raise OperationalError("could not connect to server")
            return execute(sql, params, many, context)

        with connection.execute_wrapper(refuse_event_insert):
            response = self.post(client)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert InboundEvent.objects.count() == 0 and Message.objects.count() == 0

    def test_get_without_handshake_support_or_bad_token_is_refused(self, client, account):
        response = client.get(self.path("hub.mode=subscribe&hub.verify_token=salah&hub.challenge=123"))
        assert response.status_code in (403, 405)


class MetaSigning(WebhookClient):
    secret_name = "app_secret"
    content_type = "application/json"
    extra_secrets = {"verify_token": "token-verifikasi", "access_token": "token-akses"}

    def signature_headers(
        self, body: bytes, secret: str, path: str, content_type: str = ""
    ) -> dict[str, str]:
        return {"X-Hub-Signature-256": meta_signature(body, secret)}


class MetaSigned(MetaSigning, WebhookCase):
    def test_handshake_answers_the_challenge(self, client, account):
        response = client.get(
            self.path("hub.mode=subscribe&hub.verify_token=token-verifikasi&hub.challenge=1158201444")
        )
        assert response.status_code == 200
        assert response.content == b"1158201444"

    def test_signature_over_reserialized_json_fails(self, client, account):
        import json

        body = fixture_bytes(self.provider, self.sample)
        compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
        response = client.post(
            self.path(),
            data=body,
            content_type=self.content_type,
            headers={"X-Hub-Signature-256": meta_signature(compact, self.current_secret)},
        )
        assert response.status_code == 403

    def test_truncated_json_is_400_with_reason(self, client, account):
        body = fixture_bytes(self.provider, self.sample)[:120]
        response = self.post(client, body=body)
        assert response.status_code == 400
        assert "JSON tidak sah" in response.json()["error"]
        assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.REJECTED


class TwilioSigning(WebhookClient):
    secret_name = "auth_token"
    content_type = "application/x-www-form-urlencoded"
    extra_secrets = {"account_sid": "AC1f2e3d4c5b6a79880123456789abcdef"}

    def signature_headers(
        self, body: bytes, secret: str, path: str, content_type: str = ""
    ) -> dict[str, str]:
        # Twilio signs the posted form params (none when the body is not a form); QueryDict reads
        # them exactly as the server will.
        is_form = (content_type or self.content_type).startswith("application/x-www-form-urlencoded")
        params = QueryDict(body, encoding="utf-8") if is_form else {}
        return {
            "X-Twilio-Signature": twilio_signature(
                url=PUBLIC_BASE_URL + path, params=params, auth_token=secret
            )
        }


class TwilioSigned(TwilioSigning, WebhookCase):
    def test_signature_for_the_internal_host_fails(self, client, account):
        # Behind a proxy the request's own URL is not what Twilio signed.
        body = fixture_bytes(self.provider, self.sample)
        params = QueryDict(body, encoding="utf-8")
        signature = twilio_signature(
            url="http://testserver" + self.path(), params=params, auth_token=self.current_secret
        )
        response = client.post(
            self.path(), data=body, content_type=self.content_type, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 403

    def test_an_added_parameter_breaks_the_signature(self, client, account):
        body = fixture_bytes(self.provider, self.sample)
        headers = self.signature_headers(body, self.current_secret, self.path())
        response = client.post(
            self.path(), data=body + b"&Injected=1", content_type=self.content_type, headers=headers
        )
        assert response.status_code == 403
