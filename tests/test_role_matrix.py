"""Every URL × every role: the expected answer for each, so a new view without a permission rule fails.

Roles: anonymous, operator, official (of the department the ticket was escalated to), admin. The
public tracking page is also tried with and without its token. URLs are taken from the resolver, so
a URL added to the project and missing from EXPECTED fails ``test_every_url_has_a_rule``.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from officials.services import escalation_create
from tickets.ingest import ticket_ingest
from tickets.models import Attachment, Department, Message, Official

from .factories import inbound, staff_user
from .test_ingest import PNG

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the sign-in page
ROLES = ("anonymous", "operator", "official", "admin")

# name → (anonymous, operator, official, admin) for GET. 405: allowed but POST-only.
EXPECTED: dict[str, tuple] = {
    "public:home": (200, 302, 302, 302),
    "health": (200, 200, 200, 200),
    "metrics": (404, 404, 404, 404),  # off unless CURHAT_METRICS_TOKEN or allowed networks are set
    # the admin's system page: Django's admin sends whoever is not an admin to the admin's sign-in
    "system": (302, 302, 302, 200),
    "login": (200, 200, 200, 200),
    "logout": (405, 405, 405, 405),
    "set_language": (302, 302, 302, 302),
    # operators' inbox
    "inbox:list": (LOGIN, 200, 403, 200),
    "inbox:poll": (LOGIN, 400, 403, 400),  # needs its "since" cursor
    "inbox:pane": (LOGIN, 200, 403, 200),
    "inbox:bulk": (405, 405, 405, 405),
    "inbox:ticket": (LOGIN, 200, 403, 200),
    "inbox:ticket_poll": (LOGIN, 200, 403, 200),
    "inbox:ticket_typing": (405, 405, 405, 405),
    "inbox:reply": (405, 405, 405, 405),
    "inbox:note": (405, 405, 405, 405),
    "inbox:assign": (405, 405, 405, 405),
    "inbox:categorize": (405, 405, 405, 405),
    "inbox:status": (405, 405, 405, 405),
    "inbox:merge_ticket": (405, 405, 405, 405),
    "inbox:merge_contact": (405, 405, 405, 405),
    "inbox:retry": (405, 405, 405, 405),
    "inbox:canned": (LOGIN, 200, 403, 200),
    "inbox:attachment": (LOGIN, 200, 403, 200),
    "tickets_calls:log": (LOGIN, 200, 403, 200),
    # officials
    "officials:queue": (LOGIN, 403, 200, 403),
    "officials:availability": (LOGIN, 403, 405, 403),
    "officials:detail": (LOGIN, 403, 200, 403),
    "officials:attachment": (LOGIN, 403, 200, 403),
    "officials:approve": (LOGIN, 405, 403, 405),
    "officials:reassign": (LOGIN, 405, 403, 405),
    "officials:cancel": (LOGIN, 405, 403, 405),
    "officials:ticket_escalations": (LOGIN, 200, 403, 200),
    "officials:escalate": (LOGIN, 405, 403, 405),
    # reports: admins; officials see their departments' escalation metrics
    "reports:tally": (LOGIN, 403, 403, 200),
    "reports:print": (LOGIN, 403, 403, 200),
    "reports:tally_export": (LOGIN, 403, 403, 200),
    "reports:service": (LOGIN, 403, 403, 200),
    "reports:escalations": (LOGIN, 403, 200, 200),
    "reports:ticket_export": (LOGIN, 403, 403, 200),
    "reports:import": (LOGIN, 403, 403, 200),
    # data-subject rights
    "tickets_privacy:subject": (LOGIN, 403, 403, 200),
    "tickets_privacy:export": (LOGIN, 403, 403, 405),
    "tickets_privacy:erase": (LOGIN, 403, 403, 405),
    # public pages
    "public:ask": (200, 200, 200, 200),
    "public:ask_done": (302, 302, 302, 302),  # only right after a submission
    "public:track": (200, 200, 200, 200),
    "public:privacy": (200, 200, 200, 200),
    "public:track_lookup": (200, 200, 200, 200),
    "favicon": (200, 200, 200, 200),
    "knowledge:index": (200, 200, 200, 200),
    "knowledge:detail": (200, 200, 200, 200),
    "knowledge:answers": (403, 200, 403, 200),  # JSON for the inbox
    "knowledge:answer": (403, 200, 403, 200),
    # webhooks: providers are anonymous; a GET without Meta's handshake parameters is refused
    "channels:webhook": (400, 400, 400, 400),
    # Meta's data-deletion callback (POST, signed) and its status page (by confirmation code)
    "channels:data_deletion": (405, 405, 405, 405),
    "channels:data_deletion_status": (404, 404, 404, 404),  # an unknown code
    "email_inbound:mailgun": (405, 405, 405, 405),
    "email_inbound:sendgrid": (405, 405, 405, 405),
    "email_inbound:postmark": (405, 405, 405, 405),
    "email_inbound:amazon_ses": (405, 405, 405, 405),
    # REST API (DRF answers 403 to anonymous session requests)
    "api-root": (403, 200, 200, 200),  # lists the endpoints only
    "ticket-list": (403, 200, 403, 200),
    "ticket-detail": (403, 200, 403, 200),
    "ticket-messages": (403, 200, 403, 200),
    "contact-list": (403, 200, 403, 200),
    "contact-detail": (403, 200, 403, 200),
    "canned-answer-list": (403, 200, 403, 200),
    "canned-answer-detail": (403, 200, 403, 200),
    "escalation-list": (403, 200, 200, 200),
    "escalation-detail": (403, 200, 200, 200),
    "escalation-answer": (403, 405, 405, 405),
    "escalation-return-to-operator": (403, 405, 405, 405),
    "api-tally": (403, 403, 403, 200),
    "api-schema": (403, 200, 200, 200),
    "api-docs": (LOGIN, 200, 200, 200),  # a page for people: anonymous visitors sign in first
}

# POST-only views, tried with POST: ALLOWED means the role passes the permission check (the empty or
# minimal form may then be refused with 400, or the action done with 200/302).
ALLOWED = "allowed"
EXPECTED_POST: dict[str, tuple] = {
    "inbox:bulk": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:ticket_typing": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:reply": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:note": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:assign": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:categorize": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:status": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:merge_ticket": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:merge_contact": (LOGIN, ALLOWED, 403, ALLOWED),
    "inbox:retry": (LOGIN, ALLOWED, 403, ALLOWED),
    "officials:availability": (LOGIN, 403, ALLOWED, 403),
    "officials:approve": (LOGIN, ALLOWED, 403, ALLOWED),
    "officials:reassign": (LOGIN, ALLOWED, 403, ALLOWED),
    "officials:cancel": (LOGIN, ALLOWED, 403, ALLOWED),
    "officials:escalate": (LOGIN, ALLOWED, 403, ALLOWED),
    "tickets_privacy:export": (LOGIN, 403, 403, ALLOWED),
    "tickets_privacy:erase": (LOGIN, 403, 403, ALLOWED),
    # only the official of the escalation's department may answer or return it
    "escalation-answer": (403, 403, ALLOWED, 403),
    "escalation-return-to-operator": (403, 403, ALLOWED, 403),
    "ticket-messages": (403, ALLOWED, 403, ALLOWED),
    "escalation-list": (403, ALLOWED, 403, ALLOWED),
    # webhooks refuse unsigned posts whoever sends them
    "channels:webhook": (403, 403, 403, 403),
    "channels:data_deletion": (400, 400, 400, 400),
}
POST_DATA = {
    "escalation-answer": {"answer": "Jawaban pejabat"},
    "escalation-return-to-operator": {"note": "Perlu nomor KK"},
    "inbox:note": {"body": "catatan"},
}

# Namespaces checked elsewhere: Django's own admin (is_staff, tested by Django) and i18n.
SKIPPED_NAMESPACES = ("admin",)


def _walk(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace
            if namespace in SKIPPED_NAMESPACES:
                continue
            found += _walk(entry, f"{prefix}{namespace}:" if namespace else prefix)
        elif entry.name:
            found.append((prefix + entry.name, entry))
    return found


def all_url_names() -> set[str]:
    names = {name for name, _ in _walk(get_resolver())}
    # DRF's format-suffix variants and the router's root are the same views as their base names.
    return {n for n in names if not n.endswith("-format") and "format" not in n}


def test_every_url_has_a_rule():
    missing = sorted(all_url_names() - set(EXPECTED))
    assert not missing, f"URLs without an expected answer per role (add them to EXPECTED): {missing}"
    stale = sorted(set(EXPECTED) - all_url_names())
    assert not stale, f"EXPECTED names URLs that no longer exist: {stale}"


@pytest.fixture
def world(settings):
    from tickets.knowledge.entries import knowledge_seed

    knowledge_seed()
    from channels.models import ChannelAccount
    from tickets.inbound import InboundAttachment
    from tickets.models import CannedAnswer

    ChannelAccount.objects.create(
        slug="wa-parepare",
        name="WA",
        channel="whatsapp",
        provider="meta_whatsapp",
        address="109876543210",
        secrets={"app_secret": "s", "verify_token": "v"},
    )
    users = {
        "operator": staff_user("op", group="operator"),
        "official": staff_user("kabid", group="official"),
        "admin": staff_user("adm", group="admin", superuser=True),
    }
    department = Department.objects.get(code="capil")
    Official.objects.create(user=users["official"]).departments.add(department)
    result = ticket_ingest(
        message=inbound(
            text="",
            attachments=(InboundAttachment(filename="akta.png", content_type="image/png", content=PNG),),
        )
    )
    ticket = result.ticket
    escalation = escalation_create(
        ticket=ticket, department=department, question="?", requested_by=users["operator"]
    )
    failed = Message.objects.create(
        ticket=ticket, direction="out", channel="whatsapp", body="x", status="failed"
    )
    canned = CannedAnswer.objects.create(title="Syarat KK", body="KK lama")
    from tickets.models import KnowledgeEntry

    entry = KnowledgeEntry.objects.first()
    kwargs = {
        "ticket_id": ticket.pk,
        "message_id": failed.pk,
        "attachment_id": Attachment.objects.get().pk,
        "pk": escalation.pk,
        "token": ticket.tracking_token,
        "provider": "meta_whatsapp",
        "account_slug": "wa-parepare",
        "fmt": "xlsx",
        "slug": entry.slug if entry else "kk-baru",
        "code": "kode-tidak-dikenal",
    }
    return {"users": users, "kwargs": kwargs, "ticket": ticket, "canned": canned, "contact": ticket.contact}


def _url_for(name: str, pattern: URLPattern, world) -> str:
    wanted = set(pattern.pattern.regex.groupindex)
    kwargs = {k: v for k, v in world["kwargs"].items() if k in wanted}
    if name.startswith(("ticket-", "contact-", "canned-answer-", "escalation-")) and "pk" in wanted:
        kwargs["pk"] = {
            "ticket": world["ticket"].pk,
            "contact": world["contact"].pk,
            "canned": world["canned"].pk,
            "escalation": world["kwargs"]["pk"],
        }[name.split("-")[0]]
    if name == "email_inbound:mailgun":
        return "/webhooks/anymail/mailgun/inbound/"
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_expected(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    patterns = dict(_walk(get_resolver()))
    wrong = []
    for name in sorted(all_url_names() & set(EXPECTED)):
        url = _url_for(name, patterns[name], world)
        expected = EXPECTED[name][ROLES.index(role)]
        response = client.get(url)
        got = response.status_code
        if expected == LOGIN:
            ok = got == 302 and re.search(r"/masuk/\?next=", response.get("Location", ""))
        else:
            ok = got == expected
        if not ok:
            wrong.append(f"{name} {url}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def _allowed(response) -> bool:
    location = response.get("Location", "")
    return response.status_code in (200, 201, 302, 400) and "/masuk/" not in location


@pytest.mark.parametrize("role", ROLES)
def test_every_post_only_url_checks_the_role(client, world, role):
    client.force_login(world["users"][role]) if role != "anonymous" else None
    patterns = dict(_walk(get_resolver()))
    wrong = []
    for name, expectations in sorted(EXPECTED_POST.items()):
        url = _url_for(name, patterns[name], world)
        expected = expectations[ROLES.index(role)]
        response = client.post(url, POST_DATA.get(name, {}))
        got = response.status_code
        if expected == LOGIN:
            ok = got == 302 and "/masuk/?next=" in response.get("Location", "")
        elif expected == ALLOWED:
            ok = _allowed(response)
        else:
            ok = got == expected
        if not ok:
            wrong.append(f"POST {name} {url}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_tracking_page_needs_its_token(client, world):
    good = reverse("public:track", kwargs={"token": world["ticket"].tracking_token})
    assert client.get(good).status_code == 200
    assert client.get(good.replace(world["ticket"].tracking_token[:10], "A" * 10)).status_code == 404
    assert client.get(f"/lacak/{world['ticket'].reference}/").status_code == 404


# --- one rule for every role check (tickets.roles) -----------------------------------------------------
# A role is group membership (a superuser counts as admin) of an active user; the Official record
# only says which departments an official answers for.
OFFICIAL_PAGES = ("officials:queue", "officials:detail", "officials:attachment", "reports:escalations")


def _official_pages(world) -> list[str]:
    patterns = dict(_walk(get_resolver()))
    return [_url_for(name, patterns[name], world) for name in OFFICIAL_PAGES]


def test_an_official_record_without_the_official_role_grants_nothing(client, world):
    from django.contrib.auth.models import Group

    from tickets.roles import official_department_ids, official_profile

    user = world["users"]["official"]
    user.groups.remove(Group.objects.get(name="official"))
    client.force_login(user)
    for url in _official_pages(world):
        assert client.get(url).status_code == 403, url
    answer = reverse("escalation-answer", kwargs={"pk": world["kwargs"]["pk"]})
    assert client.post(answer, {"answer": "Jawaban"}).status_code == 403
    assert b"Antrean pejabat" not in client.get(reverse("knowledge:index")).content  # no queue link
    user.refresh_from_db()
    assert hasattr(user, "official") and official_profile(user) is None
    assert official_department_ids(user) is None


def test_an_inactive_official_is_refused_by_the_rule_and_signed_out_by_the_backend(client, rf, world):
    from django.core.exceptions import PermissionDenied

    from officials import views as official_views
    from reports import views as report_views
    from tickets.roles import is_official, official_profile

    user = world["users"]["official"]
    client.force_login(user)
    assert client.get(_official_pages(world)[0]).status_code == 200
    user.is_active = False
    user.save()
    user.refresh_from_db()
    assert not is_official(user) and official_profile(user) is None
    # The rule itself: handed an inactive user, each official view refuses them.
    request = rf.get("/")
    request.user = user
    for view, kwargs in (
        (official_views.queue, {}),
        (official_views.detail, {"pk": world["kwargs"]["pk"]}),
        (report_views.escalation_page, {}),
    ):
        with pytest.raises(PermissionDenied):
            view(request, **kwargs)
    # Over HTTP the authentication backend no longer accepts the session: sent to sign in.
    for url in _official_pages(world):
        response = client.get(url)
        assert response.status_code == 302 and "/masuk/?next=" in response["Location"], url


def test_an_inactive_admin_or_operator_holds_no_role(world):
    from tickets.roles import can_use_inbox, is_admin

    for name in ("admin", "operator"):
        user = world["users"][name]
        user.is_active = False
        assert not is_admin(user) and not can_use_inbox(user)
