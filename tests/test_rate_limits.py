"""Rate limits on the public surfaces: the tracking page (token guessing) and webhooks (floods)."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from channels.models import InboundEvent
from channels.signatures import meta_signature
from tickets.ingest import ticket_ingest

from .factories import channel_account, inbound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def test_tracking_page_guessing_is_slowed_down(client, settings):
    settings.CURHAT_TRACKING_RATE_PER_IP = "5/m"
    ticket = ticket_ingest(message=inbound()).ticket
    for i in range(5):
        assert client.get(f"/lacak/{'A' * 31}{i}/").status_code == 404
    refused = client.get(f"/lacak/{ticket.tracking_token}/")
    assert refused.status_code == 429
    assert ticket.reference not in refused.content.decode()
    assert "Terlalu banyak" in refused.content.decode()
    # Another address is not affected.
    assert client.get(f"/lacak/{ticket.tracking_token}/", REMOTE_ADDR="10.9.8.7").status_code == 200


def test_webhook_flood_gets_429_before_anything_is_stored(client, settings):
    settings.CURHAT_WEBHOOK_RATE_PER_IP = "3/m"
    channel_account("meta_whatsapp", "wa")
    body = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    headers = {"X-Hub-Signature-256": meta_signature(body, "s")}
    codes = [
        client.post(
            "/webhooks/meta_whatsapp/wa/", body, content_type="application/json", headers=headers
        ).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert InboundEvent.objects.count() == 3
    settings.CURHAT_WEBHOOK_RATE_PER_IP = ""
    ok = client.post("/webhooks/meta_whatsapp/wa/", body, content_type="application/json", headers=headers)
    assert ok.status_code == 200


@pytest.mark.parametrize("forwarded", ["10.9.9.9, 203.0.113.7", "bukan-alamat", None])
def test_rate_limits_behind_a_proxy_read_the_address_as_the_site_does(client, settings, forwarded):
    """brk15 (with item 4): CURHAT_RATELIMIT_IP_META_KEY=HTTP_X_FORWARDED_FOR made a list, garbage or
    a missing header a 500 in django-ratelimit on every rate-limited POST (sign-in here). It reads the
    address through curhat.clientaddr: the entry our proxy added, REMOTE_ADDR when it holds no address;
    no header at all is a 400 naming it (the request came around the proxy: tests/deploy)."""
    settings.CURHAT_CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    settings.CURHAT_TRACKING_RATE_PER_IP = "2/m"
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    login = client.post("/masuk/", {"username": "x", "password": "y"}, **headers)
    if forwarded is None:
        assert login.status_code == 400 and "X-Forwarded-For" in login.content.decode()
        return
    assert login.status_code == 200  # the form again, with its error
    statuses = [client.get(f"/lacak/{'A' * 31}{i}/", **headers).status_code for i in range(3)]
    assert statuses == [404, 404, 429]
    if forwarded and "," in forwarded:  # another client (the entry our proxy added) has its own count
        assert (
            client.get(f"/lacak/{'B' * 32}/", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.8").status_code == 404
        )
