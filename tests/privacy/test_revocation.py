# ruff: noqa: F811  (the "world" fixture is imported from the role matrix and used as an argument)
"""Revoked and deactivated staff get nothing, on every staff page and API endpoint (issue #15, item 1).

The cases are generated from the URL resolver: every URL pattern (Django's admin included) is either
named public below or tried, GET and POST, by each former role holder (their group removed; the
official keeps their Official record, staff keep ``is_staff``) and by each role holder set inactive,
over a session and, for the API, over a token. The answer must be 401/403, 405 or the sign-in page:
never 200, never a 400 (which means the permission check was passed and the form examined).
A URL added later is covered without anyone remembering to add it.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from tests.test_role_matrix import _url_for, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db

# Pages every visitor (or a provider) may use: not staff pages.
PUBLIC = {
    "health",
    "favicon",
    "public:track_lookup",
    "admin:login",
    "admin:logout",
    "login",
    "logout",
    "set_language",
    "public:home",
    "public:ask",
    "public:ask_done",
    "public:track",
    "public:privacy",
    "knowledge:index",
    "knowledge:detail",
    "channels:webhook",
    "channels:data_deletion",
    "channels:data_deletion_status",
    "email_inbound:mailgun",
    "email_inbound:sendgrid",
    "email_inbound:postmark",
    "email_inbound:amazon_ses",
}
# Answers that give nothing away.
REFUSED = {401, 403, 404, 405}


def _walk(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _walk(entry, f"{prefix}{entry.namespace}:" if entry.namespace else prefix)
        elif entry.name:
            found.append((prefix + entry.name, entry))
    return found


def staff_urls(world) -> dict[str, str]:
    """Every named, non-public URL with sample arguments from the fixtures."""
    urls = {}
    for name, pattern in _walk(get_resolver()):
        if name in PUBLIC or "format" in name:
            continue
        if name.startswith("admin:"):
            urls[name] = _admin_url(name, pattern, world)
        else:
            urls[name] = _url_for(name, pattern, world)
    assert "admin:tickets_ticket_change" in urls  # the walk reached Django's admin
    return urls


def _admin_url(name: str, pattern: URLPattern, world) -> str:
    wanted = set(pattern.pattern.regex.groupindex)
    sample = {
        "object_id": str(world["ticket"].pk),
        "app_label": "tickets",
        "content_type_id": "1",
        "url": "tickets/ticket/",
    }
    try:
        return reverse(name, kwargs={k: v for k, v in sample.items() if k in wanted})
    except Exception:  # a pattern whose sample does not fit is still tried, at its literal form
        return "/admin/" + re.sub(r"[\^$]|\(\?P<[^>]+>[^)]*\)", "1", pattern.pattern.regex.pattern)


def _refused(response) -> bool:
    if response.status_code in REFUSED:
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return "/masuk/" in location or "/admin/login/" in location


def _former(world, role: str):
    user = world["users"][role]
    user.groups.remove(Group.objects.get(name=role))
    user.is_superuser = False
    user.save()
    return user


def _inactive(world, role: str):
    user = world["users"][role]
    user.is_active = False
    user.save()
    return user


def _try_every_url(client, urls, *, headers=None) -> list[str]:
    leaks = []
    for name, url in sorted(urls.items()):
        for method in ("get", "post"):
            response = getattr(client, method)(url, headers=headers or {})
            if not _refused(response):
                leaks.append(f"{method.upper()} {name} {url}: {response.status_code}")
    return leaks


def test_the_walk_covers_every_staff_url_of_the_project(world):
    """Fails when a URL is neither public nor tried: the walk reaches every pattern the resolver has."""
    urls = staff_urls(world)
    every = {name for name, _pattern in _walk(get_resolver()) if "format" not in name}
    assert every - PUBLIC == set(urls)
    for expected in (
        "officials:queue",
        "officials:detail",
        "reports:escalations",
        "escalation-answer",
        "inbox:ticket",
        "ticket-messages",
        "contact-detail",
        "tickets_privacy:subject",
    ):
        assert expected in urls
    stale = PUBLIC - every
    assert not stale, f"PUBLIC names URLs that no longer exist: {stale}"


@pytest.mark.parametrize("role", ["official", "operator", "admin"])
def test_a_user_whose_role_was_removed_gets_nothing_anywhere(client, world, role):
    urls = staff_urls(world)
    user = _former(world, role)
    client.force_login(user)
    assert not _try_every_url(client, urls)


@pytest.mark.parametrize("role", ["official", "operator", "admin"])
def test_an_inactive_user_gets_nothing_anywhere(client, world, role):
    urls = staff_urls(world)
    client.force_login(world["users"][role])
    _inactive(world, role)
    assert not _try_every_url(client, urls)


@pytest.mark.parametrize("change", ["removed", "inactive"])
@pytest.mark.parametrize("role", ["official", "operator", "admin"])
def test_an_api_token_of_a_revoked_user_opens_nothing(client, world, role, change):
    token = Token.objects.create(user=world["users"][role])
    (_former if change == "removed" else _inactive)(world, role)
    urls = {name: url for name, url in staff_urls(world).items() if url.startswith("/api/")}
    assert len(urls) >= 10
    assert not _try_every_url(client, urls, headers={"Authorization": f"Token {token.key}"})


def test_the_revoked_official_cannot_answer_and_nothing_is_relayed(client, world):
    """The original finding: a POST answering an escalation was accepted and relayed to the citizen."""
    from officials.models import Escalation
    from tickets.models import Message

    user = _former(world, "official")
    client.force_login(user)
    before = Message.objects.count()
    pk = world["kwargs"]["pk"]
    for url in (
        reverse("officials:detail", kwargs={"pk": pk}),
        reverse("escalation-answer", kwargs={"pk": pk}),
    ):
        response = client.post(url, {"answer": "Jawaban dari pejabat yang sudah dicabut"})
        assert _refused(response), (url, response.status_code)
    assert Message.objects.count() == before
    assert Escalation.objects.get(pk=pk).answer == ""
