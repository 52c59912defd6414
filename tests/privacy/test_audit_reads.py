# ruff: noqa: F811  (the "world" fixture is imported from the role matrix and used as an argument)
"""Every read of personal data by staff or an API token leaves an audit row (issue #15, item 5).

Every URL of the resolver is classified: it returns personal data and must audit (``AUDITED``, tried
here by a role that may read it, over a session and, for the API, a token; polls included), or it
returns none (``NO_PERSONAL_DATA``, and the walk checks that its pages show none of the citizen's
name, number or question). A URL in neither fails the walk, so a new view needs a decision. Django's admin: every registered model is personal
(its list and object pages audit) or not.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.privacy.test_revocation import _walk
from tests.test_role_matrix import _url_for, world  # noqa: F401  (world is a fixture)
from tickets.models import AuditEvent, Message

pytestmark = pytest.mark.django_db
YEAR = timezone.localtime().year

# name → (role, method, data)
AUDITED: dict[str, tuple[str, str, dict]] = {
    "inbox:list": ("operator", "get", {}),
    "inbox:pane": ("operator", "get", {}),
    "inbox:ticket": ("operator", "get", {}),
    "inbox:attachment": ("operator", "get", {}),
    "inbox:poll": ("operator", "get", {"since": "0"}),
    "inbox:ticket_poll": ("operator", "get", {"after": "0"}),
    "inbox:canned": ("operator", "get", {}),
    "tickets_calls:log": ("operator", "get", {}),
    "officials:queue": ("official", "get", {}),
    "officials:detail": ("official", "get", {}),
    "officials:attachment": ("official", "get", {}),
    "officials:ticket_escalations": ("operator", "get", {}),
    "reports:ticket_export": (
        "admin",
        "post",
        {"dari": f"{YEAR}-01-01", "sampai": f"{YEAR}-12-31", "format": "csv", "data_pribadi": "on"},
    ),
    "tickets_privacy:subject": ("admin", "post", {"phone": "6281234567890"}),
    "tickets_privacy:export": ("admin", "post", {"contact": "CONTACT"}),
    "ticket-list": ("operator", "get", {}),
    "ticket-detail": ("operator", "get", {}),
    "ticket-messages": ("operator", "get", {}),
    "contact-list": ("operator", "get", {}),
    "contact-detail": ("operator", "get", {}),
    "escalation-list": ("official", "get", {}),
    "escalation-detail": ("official", "get", {}),
}
NO_PERSONAL_DATA = {
    # public pages, sign-in, webhooks (the citizen's own tracking page is theirs, by its token)
    "health", "metrics", "system", "favicon", "public:track_lookup", "login", "logout", "set_language", "public:home", "public:ask", "public:ask_done",
    "public:track", "public:privacy", "knowledge:index", "knowledge:detail", "channels:webhook",
    "channels:data_deletion", "channels:data_deletion_status", "email_inbound:mailgun",
    "email_inbound:sendgrid", "email_inbound:postmark", "email_inbound:amazon_ses",
    # counts and configuration
    "reports:tally", "reports:print", "reports:tally_export", "reports:service", "reports:escalations",
    "reports:import", "api-tally", "api-root", "api-schema", "api-docs", "canned-answer-list",
    "canned-answer-detail", "knowledge:answers", "knowledge:answer",
    # actions (POST only): they write, and the writes are audited where they change a ticket
    "inbox:bulk", "inbox:ticket_typing", "inbox:reply", "inbox:note", "inbox:assign", "inbox:categorize",
    "inbox:status", "inbox:merge_ticket", "inbox:merge_contact", "inbox:retry", "officials:availability",
    "officials:approve", "officials:reassign", "officials:cancel", "officials:escalate",
    "escalation-answer", "escalation-return-to-operator", "tickets_privacy:erase",
}  # fmt: skip
PERSONAL_ADMIN = {"tickets.contact", "tickets.ticket", "tickets.message", "channels.inboundevent",
                  "officials.escalation"}  # fmt: skip
NOT_PERSONAL_ADMIN = {
    "tickets.topic", "tickets.cannedanswer", "tickets.auditevent", "tickets.retentionpolicy",
    "tickets.knowledgeentry", "tickets.knowledgerevision", "tickets.classifierphrase",
    "tickets.topicsuggestion", "channels.channelaccount", "channels.mailboxstate", "tickets.department",
    "tickets.official", "reports.historicaltally", "reports.historicalyeartotal", "tickets.publicholiday", "reports.exportlog",
    "reports.tallyrollup", "auth.group", "auth.user", "authtoken.tokenproxy", "axes.accessattempt",
    "axes.accessfailurelog", "axes.accesslog",
}  # fmt: skip


def _project_urls() -> set[str]:
    return {
        name for name, _p in _walk(get_resolver()) if not name.startswith("admin:") and "format" not in name
    }


def test_every_url_is_classified():
    classified = set(AUDITED) | NO_PERSONAL_DATA
    assert not set(AUDITED) & NO_PERSONAL_DATA
    missing = sorted(_project_urls() - classified)
    assert not missing, f"URLs nobody decided about (audit them, or say why not): {missing}"
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == PERSONAL_ADMIN | NOT_PERSONAL_ADMIN, registered ^ (
        PERSONAL_ADMIN | NOT_PERSONAL_ADMIN
    )


def _read(client, world, name: str, headers=None):
    _role, method, data = AUDITED[name]
    patterns = dict(_walk(get_resolver()))
    url = _url_for(name, patterns[name], world)
    data = {k: (world["contact"].pk if v == "CONTACT" else v) for k, v in data.items()}
    if name == "tickets_calls:log":  # the form lists the calls awaiting a summary
        _call_awaiting_summary(world)
    return getattr(client, method)(url, data, headers=headers or {})


def _call_awaiting_summary(world) -> Message:
    return Message.objects.create(
        ticket=world["ticket"], direction="in", channel="phone", kind="call", provider="twilio_voice", body=""
    )


def _new_rows(before: int, user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before, actor=user))


def _last_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.parametrize("name", sorted(AUDITED))
def test_each_read_of_personal_data_is_audited(client, world, name):
    user = world["users"][AUDITED[name][0]]
    client.force_login(user)
    before = _last_pk()
    response = _read(client, world, name)
    assert response.status_code == 200, (name, response.status_code)
    rows = _new_rows(before, user)
    assert rows, f"{name}: no audit row"
    assert all(row.action in ("ticket_view", "export", "subject_export") for row in rows)


@pytest.mark.parametrize("name", sorted(n for n in AUDITED if ":" not in n))
def test_api_reads_with_a_token_are_audited(client, world, name):
    user = world["users"][AUDITED[name][0]]
    token = Token.objects.create(user=user)
    before = _last_pk()
    response = _read(client, world, name, headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200
    rows = _new_rows(before, user)
    assert len(rows) == 1 and rows[0].detail["via"] == "api"


def test_the_audit_row_names_what_was_read_not_the_values(client, world):
    """An API read of a ticket's messages names the ticket and the message ids; a data-subject
    search names the fields searched by and the contacts found, never the NIK or phone searched."""
    operator, admin_user = world["users"]["operator"], world["users"]["admin"]
    client.force_login(operator)
    ticket = world["ticket"]
    before = _last_pk()
    client.get(reverse("ticket-messages", kwargs={"pk": ticket.pk}))
    (row,) = _new_rows(before, operator)
    assert row.ticket_reference == ticket.reference and row.detail["read"] == "ticket_messages"
    assert set(row.detail["ids"]) == set(Message.objects.filter(ticket=ticket).values_list("pk", flat=True))
    client.force_login(admin_user)
    before = _last_pk()
    client.post(reverse("tickets_privacy:subject"), {"nik": "7372014507900001", "phone": "081234567890"})
    (row,) = _new_rows(before, admin_user)
    assert row.detail["read"] == "subject_search" and row.detail["by"] == ["nik", "phone"]
    assert "7372014507900001" not in str(row.detail) and "81234567890" not in str(row.detail)


@pytest.mark.parametrize("label", sorted(PERSONAL_ADMIN))
def test_admin_pages_of_personal_data_are_audited(client, world, label):
    from channels.models import InboundEvent

    InboundEvent.objects.create(provider="meta_whatsapp", body=b'{"name": "Andi"}')
    samples = {
        "tickets.contact": world["contact"].pk,
        "tickets.ticket": world["ticket"].pk,
        "tickets.message": Message.objects.filter(ticket=world["ticket"]).first().pk,
        "channels.inboundevent": InboundEvent.objects.get().pk,
        "officials.escalation": world["kwargs"]["pk"],
    }
    user = world["users"]["admin"]
    client.force_login(user)
    app, model = label.split(".")
    # Every admin view of the model (brk15: history and the delete confirmation showed the object and
    # wrote no row): a new one fails here until it is audited or listed as showing nothing.
    views = {
        name.rsplit("_", 1)[-1]
        for name, _p in _walk(get_resolver())
        if name.startswith(f"admin:{app}_{model}_")
    }
    assert views == ADMIN_OBJECT_VIEWS | ADMIN_LIST_VIEWS | ADMIN_VIEWS_WITHOUT_DATA, views
    for view in sorted(views - ADMIN_VIEWS_WITHOUT_DATA):
        args = [samples[label]] if view in ADMIN_OBJECT_VIEWS else []
        url = reverse(f"admin:{app}_{model}_{view}", args=args)
        before = _last_pk()
        response = client.get(url)
        if response.status_code == 403:  # the admin may not (delete a message): the generic refusal page
            assert "Akses ditolak" in response.content.decode(), url
            continue
        assert response.status_code == 200, (url, response.status_code)
        assert _new_rows(before, user), f"{url}: no audit row"


def test_the_delete_selected_confirmation_in_the_admin_is_audited(client, world):
    user = world["users"]["admin"]
    client.force_login(user)
    before = _last_pk()
    response = client.post(
        reverse("admin:tickets_contact_changelist"),
        {"action": "delete_selected", "_selected_action": [world["contact"].pk]},
    )
    assert response.status_code == 200 and "deletable_objects" in response.context_data
    (row,) = _new_rows(before, user)
    assert row.detail["ids"] == [world["contact"].pk]


ADMIN_LIST_VIEWS = {"changelist"}
ADMIN_OBJECT_VIEWS = {"change", "history", "delete"}
ADMIN_VIEWS_WITHOUT_DATA = {"add"}  # an empty form


def test_polls_audit_what_they_return_and_helpers_are_throttled(client, world):
    """A poll that returns messages or rows writes a row naming them; an empty poll writes none. The
    canned answers (filled with the citizen's name, fetched as the operator types) are audited once per
    ticket and user per few minutes."""
    operator = world["users"]["operator"]
    client.force_login(operator)
    ticket = world["ticket"]
    last = Message.objects.filter(ticket=ticket).order_by("-pk").first()
    poll = reverse("inbox:ticket_poll", kwargs={"ticket_id": ticket.pk})
    before = _last_pk()
    assert client.get(poll, {"after": last.pk}).json()["messages"] == []
    assert not _new_rows(before, operator)
    newer = Message.objects.create(ticket=ticket, direction="in", channel="whatsapp", body="Halo lagi")
    assert [m["id"] for m in client.get(poll, {"after": last.pk}).json()["messages"]] == [newer.pk]
    (row,) = _new_rows(before, operator)
    assert row.ticket_reference == ticket.reference and row.detail["ids"] == [newer.pk]
    assert row.detail["read"] == "ticket_messages" and row.detail["poll"] is True

    canned = reverse("inbox:canned", kwargs={"ticket_id": ticket.pk})
    before = _last_pk()
    for text in ("", "s", "sy", "syarat"):
        assert client.get(canned, {"q": text}).status_code == 200
    (row,) = _new_rows(before, operator)
    assert row.detail["read"] == "canned_answers" and row.ticket_reference == ticket.reference
    client.force_login(world["users"]["admin"])  # another user: their own row
    client.get(canned)
    assert AuditEvent.objects.filter(pk__gt=before, detail__read="canned_answers").count() == 2


def test_pages_said_to_hold_no_personal_data_show_none(client, world):
    """What ``NO_PERSONAL_DATA`` claims, checked: none of those pages (the escalation report among them)
    shows the citizen's name, number or words to any staff role."""
    name, words = "Zulaikha Wibisono", "anak saya lahir di Soreang"
    contact = world["contact"]
    contact.name = name
    contact.save()
    Message.objects.create(ticket=world["ticket"], direction="in", channel="whatsapp", body=words)
    from officials.models import Escalation

    Escalation.objects.filter(pk=world["kwargs"]["pk"]).update(question=words)
    _call_awaiting_summary(world)
    patterns = dict(_walk(get_resolver()))
    own = {"public:track"}  # the citizen's own tracking page, by its secret token
    for role in ("operator", "official", "admin"):
        client.force_login(world["users"][role])
        for url_name in sorted(NO_PERSONAL_DATA - own):
            response = client.get(_url_for(url_name, patterns[url_name], world))
            if response.status_code != 200 or response.get("Content-Type", "").startswith("application/vnd"):
                continue
            text = b"".join(response) if response.streaming else response.content
            for value in (name, words, "81234567890", "1234567890"):
                assert value.encode() not in text, (role, url_name, value)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("forwarded", "recorded"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("1.2.3.4, 5.6.7.8", "5.6.7.8"),  # the list our proxy appended to: its last entry
        ("1.2.3.4,2001:db8::1", "2001:db8::1"),
        ("bukan-alamat", None),  # garbage is no address (the inet column refused it: a 500)
        ("1.2.3.4, <script>", None),
        ("5.6.7.8:4431", None),
    ],
)
def test_an_audited_read_behind_a_proxy_records_the_address_or_none(client, settings, forwarded, recorded):
    """brk15: with CURHAT_RATELIMIT_IP_META_KEY=HTTP_X_FORWARDED_FOR a list or garbage in the header
    made every audited read a 500 on PostgreSQL (an inet column). The audit reads the address the way
    the rest of the site does (curhat.clientaddr)."""
    from tests.factories import inbound, staff_user
    from tickets.ingest import ticket_ingest

    settings.CURHAT_CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    ticket = ticket_ingest(message=inbound(sender="081277770011")).ticket
    client.force_login(staff_user("op", group="operator"))
    response = client.get(f"/inbox/tiket/{ticket.pk}/", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=AuditEvent.Action.TICKET_VIEW).latest("id")
    assert event.ip_address == recorded


def test_a_second_trusted_proxy_moves_the_address_one_entry_left(rf, settings):
    from curhat.clientaddr import client_ip

    settings.CURHAT_CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    settings.CURHAT_TRUSTED_PROXIES = 2
    request = rf.get("/", HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4, 10.0.0.2")
    assert client_ip(request) == "1.2.3.4"
    settings.CURHAT_TRUSTED_PROXIES = 1
    assert client_ip(request) == "10.0.0.2"
    assert client_ip(rf.get("/")) == "127.0.0.1"  # no header (a direct request): REMOTE_ADDR
