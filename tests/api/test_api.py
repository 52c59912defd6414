"""The REST API: token and session auth, role rules as in the UI, filters, cursor pagination,
masking, replies and notes through the outbound relay, escalations, the tally."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from officials.models import Escalation
from tickets.ingest import ticket_ingest
from tickets.models import Department, Message, Official, Ticket
from tickets.reference_data import reference_data_seed

from ..factories import inbound, staff_user
from ..support import at_wita

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    reference_data_seed()
    operator = staff_user("op", group="operator")
    admin = staff_user("adm", group="admin")
    official_user = staff_user("kabid", group="official")
    official = Official.objects.create(user=official_user)
    official.departments.add(Department.objects.get(code="capil"))
    other_user = staff_user("kabid.piak", group="official")
    Official.objects.create(user=other_user).departments.add(Department.objects.get(code="piak"))
    return {"operator": operator, "admin": admin, "official": official_user, "other_official": other_user}


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_anonymous_gets_401_or_403_and_nothing_leaks(client):
    for url in ("/api/v1/tickets/", "/api/v1/contacts/", "/api/v1/escalations/", "/api/v1/reports/tally/"):
        response = client.get(url)
        assert response.status_code in (401, 403), url
        assert "CA-" not in response.content.decode()


def test_roles(people):
    ticket_ingest(message=inbound())
    official = token_client(people["official"])
    assert official.get("/api/v1/tickets/").status_code == 403
    assert official.get("/api/v1/contacts/").status_code == 403
    assert official.get("/api/v1/reports/tally/").status_code == 403
    assert official.get("/api/v1/escalations/").status_code == 200
    operator = token_client(people["operator"])
    assert operator.get("/api/v1/tickets/").status_code == 200
    assert operator.get("/api/v1/reports/tally/").status_code == 403
    assert token_client(people["admin"]).get("/api/v1/reports/tally/").status_code == 200


def test_ticket_list_masks_contacts_detail_shows_them(people):
    result = ticket_ingest(message=inbound(sender="0811-415-227", name="Bu Rahma"))
    api = token_client(people["operator"])
    listed = api.get("/api/v1/tickets/").json()
    row = listed["results"][0]
    assert row["reference"] == result.ticket.reference
    assert row["contact"]["identities"] == [{"kind": "phone", "value": "+62811***227"}]
    assert "+62811415227" not in str(listed)
    detail = api.get(f"/api/v1/tickets/{result.ticket.pk}/").json()
    assert detail["contact"]["identities"] == [{"kind": "phone", "value": "+62811415227"}]


def test_filters_and_bad_filters(people):
    ticket_ingest(message=inbound(sender="081200000001"))
    ticket_ingest(
        message=inbound(
            channel="email",
            provider="email_imap",
            sender_kind="email",
            sender="a@example.com",
            provider_message_id="<1@x>",
            text="akta kelahiran",
        )
    )
    api = token_client(people["operator"])
    emails = api.get("/api/v1/tickets/", {"channel": "email"}).json()["results"]
    assert [t["channel"] for t in emails] == ["email"]
    found = api.get("/api/v1/tickets/", {"q": "akta"}).json()["results"]
    assert len(found) == 1
    bad = api.get("/api/v1/tickets/", {"channel": "telegram"})
    assert bad.status_code == 400 and "channel" in bad.json()
    assert api.get("/api/v1/tickets/", {"date_from": "kemarin"}).status_code == 400
    assert api.get("/api/v1/tickets/", {"cursor": "bukan-kursor"}).status_code == 400  # invalid input


def test_cursor_pagination_walks_every_ticket_once(people):
    for i in range(7):
        ticket_ingest(message=inbound(sender=f"0812000000{i:02d}", timestamp=at_wita(2026, 5, 1, 9, i)))
    api = token_client(people["operator"])
    seen, url = [], "/api/v1/tickets/?page_size=3"
    while url:
        page = api.get(url).json()
        seen += [t["reference"] for t in page["results"]]
        url = page["next"]
    assert len(seen) == 7 and len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)  # newest activity first


def test_reply_and_note_through_the_api(people, django_capture_on_commit_callbacks):
    ticket = ticket_ingest(message=inbound()).ticket
    api = token_client(people["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(
            f"/api/v1/tickets/{ticket.pk}/messages/", {"direction": "out", "body": "Syaratnya KK dan KTP."}
        )
    assert reply.status_code == 201, reply.content
    note = api.post(f"/api/v1/tickets/{ticket.pk}/messages/", {"direction": "note", "body": "Warga lansia"})
    assert note.status_code == 201
    out = Message.objects.get(pk=reply.json()["id"])
    assert out.direction == "out" and out.author == people["operator"] and out.body == "Syaratnya KK dan KTP."
    assert out.status in ("queued", "sent")
    assert Message.objects.get(pk=note.json()["id"]).direction == "note"
    timeline = api.get(f"/api/v1/tickets/{ticket.pk}/messages/").json()["results"]
    assert [m["direction"] for m in timeline] == ["in", "out", "note"]
    empty = api.post(f"/api/v1/tickets/{ticket.pk}/messages/", {"direction": "out", "body": "   "})
    assert empty.status_code == 400
    assert (
        api.post(f"/api/v1/tickets/{ticket.pk}/messages/", {"direction": "in", "body": "x"}).status_code
        == 400
    )


def test_officials_answer_escalations_of_their_department_only(people, django_capture_on_commit_callbacks):
    ticket = ticket_ingest(message=inbound(text="Akta anak salah nama")).ticket
    operator = token_client(people["operator"])
    created = operator.post(
        "/api/v1/escalations/",
        {"ticket": ticket.reference, "department": "capil", "question": "Perlu pengadilan?"},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    other = token_client(people["other_official"])
    assert other.get("/api/v1/escalations/").json()["results"] == []
    assert other.post(f"/api/v1/escalations/{pk}/answer/", {"answer": "x"}).status_code == 404
    official = token_client(people["official"])
    assert (
        official.post(
            "/api/v1/escalations/", {"ticket": ticket.reference, "department": "capil", "question": "x"}
        ).status_code
        == 403
    )
    assert official.post(f"/api/v1/escalations/{pk}/answer/", {"answer": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        answered = official.post(
            f"/api/v1/escalations/{pk}/answer/", {"answer": "Tidak perlu, cukup ke Capil."}
        )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert Escalation.objects.get(pk=pk).relayed_message.body == "Tidak perlu, cukup ke Capil."
    again = official.post(f"/api/v1/escalations/{pk}/answer/", {"answer": "lagi"})
    assert again.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.ANSWERED


def test_tally_over_the_api(people):
    ticket_ingest(message=inbound(sender="081200000001", timestamp=at_wita(2021, 3, 31, 23, 30)))
    ticket_ingest(message=inbound(sender="081200000002", timestamp=at_wita(2021, 4, 1, 0, 30)))
    data = token_client(people["admin"]).get("/api/v1/reports/tally/", {"year": 2021}).json()
    by_month = {r["month"]: r["total"] for r in data["rows"]}
    assert by_month[3] == 1 and by_month[4] == 1 and data["total"] == 2
    assert data["table"][0][:2] == ["NO", "BULAN"]
    assert token_client(people["admin"]).get("/api/v1/reports/tally/", {"year": "x"}).status_code == 400


def test_session_auth_works_for_the_browser(client, people):
    client.force_login(people["operator"])
    assert client.get("/api/v1/tickets/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_nul_characters_are_a_400_not_a_server_error(people):
    """Found by schemathesis on PostgreSQL: a NUL in a slug or a filter reached the database."""
    api = token_client(people["operator"])
    bad = api.post(
        "/api/v1/escalations/",
        {"ticket": "CA\x00", "department": "capil\x00", "question": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert api.get("/api/v1/tickets/", {"q": "akta\x00"}).status_code == 400
    # The canned answers' search too (it 500ed on PostgreSQL, found by schemathesis).
    refused = api.get("/api/v1/canned-answers/", {"q": "syarat\x00"})
    assert refused.status_code == 400 and "q" in refused.json()


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("name", ["date_from", "date_to"])
def test_dates_at_the_ends_of_the_calendar_are_a_400(people, name, value):
    """Found by schemathesis: the start of 0001-01-01 in WITA, or the day after 9999-12-31, is no
    datetime, and the list answered 500."""
    refused = token_client(people["operator"]).get("/api/v1/tickets/", {name: value})
    assert refused.status_code == 400
    assert name in refused.json()


def test_a_format_suffix_and_a_deeply_nested_body_are_answered_not_500s(people):
    """brk15: GET /api/v1/tickets/N/messages.json raised TypeError (unexpected kwarg 'format'), and a
    JSON body 6000 "[" deep raised RecursionError: both were 500s."""
    ticket = ticket_ingest(message=inbound(text="Akta anak salah nama")).ticket
    operator = token_client(people["operator"])
    response = operator.get(f"/api/v1/tickets/{ticket.pk}/messages.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert [m["body"] for m in response.json()["results"]] == ["Akta anak salah nama"]
    escalation = operator.post(
        "/api/v1/escalations/", {"ticket": ticket.reference, "department": "capil", "question": "?"}
    ).json()
    official = token_client(people["official"])
    for url in (f"/api/v1/escalations/{escalation['id']}/answer/", f"/api/v1/tickets/{ticket.pk}/messages/"):
        client = official if "escalations" in url else operator
        nested = client.post(url, data=b"[" * 6000, content_type="application/json")
        assert nested.status_code == 400, url
        assert "JSON" in nested.json()["detail"]
