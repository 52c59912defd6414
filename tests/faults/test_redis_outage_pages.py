"""Redis is optional for survival: with the cache server down, signed webhooks are still taken, staff
stay signed in (sessions read from the database), and public pages whose rate limit cannot be
counted answer 503 with the reason. A private redis-server is stopped for real; the shared one is
never touched."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from channels.models import ChannelAccount, InboundEvent
from channels.signatures import meta_signature
from tickets.models import Message
from tickets.reference_data import reference_data_seed

from ..channels.test_pipeline import meta_text
from ..factories import staff_user
from ..standins.redis import RedisServer

SECRET = "rahasia-aplikasi"


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_caches(settings, redis_server):
    """The production cache layout, on the private server."""
    settings.CACHES = {
        "default": {"BACKEND": "curhat.cache.SoftRedisCache", "LOCATION": redis_server.url},
        "ratelimit": {"BACKEND": "curhat.cache.RedisCache", "LOCATION": redis_server.url},
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield redis_server
    for alias in ("default", "ratelimit"):
        caches[alias].close()


@pytest.mark.django_db
def test_signed_webhook_is_taken_while_redis_is_down(client, redis_caches, settings):
    settings.CURHAT_WEBHOOK_RATE_PER_IP = "600/m"
    ChannelAccount.objects.create(
        slug="wa-kantor", name="WA", channel="whatsapp", provider="meta_whatsapp", address="109876543210",
        secrets={"app_secret": SECRET},
    )  # fmt: skip
    redis_caches.stop()
    body = meta_text(sender="6281234500001", message_id="wamid.redis-down", text="Syarat akta?")
    response = client.post(
        "/webhooks/meta_whatsapp/wa-kantor/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body, SECRET)},
    )
    assert response.status_code == 200, response.content
    assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.PROCESSED
    assert Message.objects.get().body == "Syarat akta?"


@pytest.mark.django_db
def test_unsigned_request_is_still_refused_while_redis_is_down(client, redis_caches):
    ChannelAccount.objects.create(
        slug="wa-kantor", name="WA", channel="whatsapp", provider="meta_whatsapp", address="109876543210",
        secrets={"app_secret": SECRET},
    )  # fmt: skip
    redis_caches.stop()
    response = client.post("/webhooks/meta_whatsapp/wa-kantor/", data=b"{}", content_type="application/json")
    assert response.status_code == 403 and InboundEvent.objects.count() == 0


@pytest.mark.django_db
def test_public_form_answers_503_with_the_reason_while_redis_is_down(client, redis_caches):
    redis_caches.stop()
    response = client.post("/tanya/", {"name": "Warga", "phone": "081234567890", "question": "Syarat KK?"})
    assert response.status_code == 503
    assert "gangguan" in response.content.decode() and response["Retry-After"] == "60"
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_staff_stay_signed_in_while_redis_is_down(client, redis_caches):
    reference_data_seed()
    operator = staff_user("operator1", group="operator", first_name="Rina")
    client.force_login(operator)
    assert client.get("/inbox/").status_code == 200
    redis_caches.stop()
    response = client.get("/inbox/")
    assert response.status_code == 200, response.status_code
    assert "Rina" in response.content.decode()
