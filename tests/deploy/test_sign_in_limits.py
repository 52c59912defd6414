"""Sign-in attempts are limited per client address on both sign-in forms (/masuk/ and the admin's
/admin/login/), fail closed while the rate-limit cache is down, and a request that bypassed the proxy
(its client-address header missing) is told so (issue 18, outside test)."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    caches["ratelimit"].clear()


def _attempts(client, path: str, count: int, start: int = 0, **extra) -> list[int]:
    return [
        client.post(path, {"username": f"tamu{start + i}", "password": "Salah12345"}, **extra).status_code
        for i in range(count)
    ]


def test_admin_sign_in_is_limited_per_address(client, settings):
    settings.CURHAT_LOGIN_RATE = "3/m"
    assert _attempts(client, "/admin/login/", 4) == [200, 200, 200, 403]
    # Another address is not affected.
    assert _attempts(client, "/admin/login/", 1, start=10, REMOTE_ADDR="10.9.8.7") == [200]


def test_both_sign_in_forms_share_one_budget(client, settings):
    settings.CURHAT_LOGIN_RATE = "4/m"
    assert _attempts(client, "/masuk/", 2) + _attempts(client, "/admin/login/", 3, start=2) == [
        200, 200, 200, 200, 403,
    ]  # fmt: skip
    assert _attempts(client, "/masuk/", 1, start=9) == [403]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("path", ["/admin/login/", "/masuk/"])
def test_sign_in_fails_closed_while_the_rate_limit_cache_is_down(client, settings, path):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "curhat.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/13",
        },
    }
    response = client.post(path, {"username": "operator", "password": "Salah12345"})
    assert response.status_code == 503
    assert "belum tersimpan" in response.content.decode() and response["Retry-After"] == "60"


def test_sign_in_without_the_proxy_header_is_a_clear_400(client, settings):
    """Behind the proxy (CURHAT_RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP) a POST lacking the header came
    around the proxy: 400 with the reason, not a 500."""
    settings.CURHAT_CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    for path in ("/masuk/", "/admin/login/", "/tanya/"):
        response = client.post(path, {"username": "operator", "password": "Salah12345"})
        assert response.status_code == 400, (path, response.status_code)
        assert "x-real-ip" in response.content.decode().lower()
    ok = client.post("/masuk/", {"username": "operator", "password": "Salah12345"}, HTTP_X_REAL_IP="10.1.2.3")
    assert ok.status_code == 200


def test_a_lockout_behind_the_proxy_is_per_client_not_per_proxy(client, settings):
    """Outside test: axes read REMOTE_ADDR (the proxy) while everything else read the client, so five
    wrong passwords from anywhere locked the staff member out for everyone."""
    from django.contrib.auth import get_user_model

    settings.CURHAT_CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    get_user_model().objects.create_user("operator9", password="Benar-sekali-123")
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.7", "REMOTE_ADDR": "127.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/masuk/", {"username": "operator9", "password": "Salah12345"}, **attacker)
    staff = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "REMOTE_ADDR": "127.0.0.1"}
    answer = client.post("/masuk/", {"username": "operator9", "password": "Benar-sekali-123"}, **staff)
    assert answer.status_code == 302, answer.status_code
    # The attacker's own address is locked out.
    client.logout()
    locked = client.post("/masuk/", {"username": "operator9", "password": "Benar-sekali-123"}, **attacker)
    assert locked.status_code == 429
