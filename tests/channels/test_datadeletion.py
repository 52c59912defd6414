"""Meta's data-deletion request callback (issue #15, item 9), called as Meta calls it: a form POST of
``signed_request`` built per Meta's documented format (base64url payload, signed with HMAC-SHA256 of
that payload text and the app secret, the signature base64url as well, no padding)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.urls import reverse

from channels.models import ChannelAccount, DataDeletionRequest
from tests.factories import inbound
from tickets.ingest import ticket_ingest
from tickets.models import AuditEvent, Contact, ContactIdentity, Message, Ticket
from tickets.privacy.subjects import ERASED_TEXT
from tickets.reference_data import reference_data_seed

pytestmark = pytest.mark.django_db

APP_SECRET = "meta-app-secret-untuk-uji"
PSID = "24681357902468135"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signed_request(user_id: str, secret: str = APP_SECRET, **extra) -> str:
    now = int(time.time())
    payload = _b64url(
        json.dumps(
            {"algorithm": "HMAC-SHA256", "expires": now + 3600, "issued_at": now, "user_id": user_id, **extra}
        ).encode()
    )
    signature = _b64url(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
    return f"{signature}.{payload}"


@pytest.fixture
def messenger_citizen(settings):
    reference_data_seed()
    ChannelAccount.objects.create(
        slug="fb-parepare",
        name="FB",
        channel="facebook",
        provider="messenger",
        address="2",
        secrets={"app_secret": f"secret-lama,{APP_SECRET}", "verify_token": "v", "page_access_token": "p"},
    )
    ticket = ticket_ingest(
        message=inbound(
            channel="facebook",
            provider="messenger",
            sender_kind="facebook_psid",
            sender=PSID,
            name="Rina Messenger",
            text="NIK saya 7372014507900001, KK hilang",
        )
    ).ticket
    other = ticket_ingest(
        message=inbound(sender="081233330001", name="Warga Lain", text="Syarat KTP?")
    ).ticket
    return {"ticket": ticket, "other": other}


def test_a_signed_deletion_request_erases_the_user_and_answers_with_a_status_url(
    client, messenger_citizen, django_capture_on_commit_callbacks
):
    ticket = messenger_citizen["ticket"]
    with django_capture_on_commit_callbacks(execute=True):  # the erasure task, enqueued on commit
        response = client.post(reverse("channels:data_deletion"), {"signed_request": signed_request(PSID)})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"url", "confirmation_code"} and body["confirmation_code"]
    assert body["url"].endswith(f"/webhooks/meta/hapus-data/{body['confirmation_code']}/")
    # Erased by the data-subject tool's erasure: contents, name and identities gone, the count kept.
    ticket.refresh_from_db()
    assert ticket.anonymized_at is not None
    assert set(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == {ERASED_TEXT}
    assert not ContactIdentity.objects.filter(value=PSID).exists()
    assert Contact.objects.get(pk=ticket.contact_id).name == ""
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBJECT_ERASE, ticket_reference="").exists()
    other = Ticket.objects.get(pk=messenger_citizen["other"].pk)
    assert other.anonymized_at is None and other.contact.name == "Warga Lain"
    # The status page shows the outcome, and keeps no user id.
    deletion = DataDeletionRequest.objects.get()
    assert deletion.status == DataDeletionRequest.Status.DONE and deletion.tickets_erased == 1
    assert PSID not in deletion.user_digest
    page = client.get(body["url"].split("127.0.0.1:8000", 1)[-1])
    assert page.status_code == 200
    text = page.content.decode()
    assert body["confirmation_code"] in text and "Selesai" in text and "1 percakapan" in text


def test_the_status_page_shows_a_request_still_in_progress(client, messenger_citizen):
    deletion = DataDeletionRequest.objects.create(confirmation_code="abc123def456", user_digest="x" * 64)
    page = client.get(reverse("channels:data_deletion_status", kwargs={"code": deletion.confirmation_code}))
    assert page.status_code == 200 and "sedang diproses" in page.content.decode()
    assert (
        client.get(reverse("channels:data_deletion_status", kwargs={"code": "tidak-ada"})).status_code == 404
    )


def test_a_user_we_hold_nothing_about_gets_a_code_too(
    client, messenger_citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("channels:data_deletion"), {"signed_request": signed_request("999")})
    assert response.status_code == 200
    deletion = DataDeletionRequest.objects.get(confirmation_code=response.json()["confirmation_code"])
    assert deletion.status == DataDeletionRequest.Status.DONE and deletion.contacts_found == 0
    assert Ticket.objects.filter(anonymized_at__isnull=False).count() == 0
    # The status page says so honestly: nothing found for this id (not "we hold nothing about you",
    # nor "deleted"), and why a Messenger conversation may not match it.
    text = client.get(response.json()["url"].split("127.0.0.1:8000", 1)[-1]).content.decode()
    assert "Tidak ada data yang ditemukan untuk ID ini" in text and "ID khusus aplikasi" in text
    assert "dihapus dari" not in text and "tidak menyimpan data" not in text


ASID = "10229876543210987"  # app-scoped: what Facebook Login and the deletion callback use


def test_meta_sends_the_app_scoped_id_it_finds_only_an_asid_recorded_on_the_contact(
    client, messenger_citizen, django_capture_on_commit_callbacks
):
    """Meta's deletion callback carries the app-scoped id, which is not the Messenger PSID: unmatched,
    nothing is erased and the page says so; once an admin recorded the ASID on the contact, it is."""
    ticket = messenger_citizen["ticket"]
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("channels:data_deletion"), {"signed_request": signed_request(ASID)})
    assert (
        DataDeletionRequest.objects.get(confirmation_code=first.json()["confirmation_code"]).contacts_found
        == 0
    )
    ticket.refresh_from_db()
    assert ticket.anonymized_at is None

    ContactIdentity.objects.create(contact=ticket.contact, kind="facebook_asid", value=ASID)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(
            reverse("channels:data_deletion"), {"signed_request": signed_request(ASID, nonce="lagi")}
        )
    deletion = DataDeletionRequest.objects.get(confirmation_code=second.json()["confirmation_code"])
    assert deletion.contacts_found == 1 and deletion.tickets_erased == 1
    ticket.refresh_from_db()
    assert ticket.anonymized_at is not None
    assert not ContactIdentity.objects.filter(value__in=[ASID, PSID]).exists()


@pytest.mark.parametrize(
    "forged",
    [
        signed_request(PSID, secret="bukan-rahasia-kami"),
        signed_request(PSID).split(".")[0] + "." + _b64url(b'{"algorithm": "HMAC-SHA256", "user_id": "1"}'),
        signed_request(PSID, algorithm="none"),
        signed_request(""),
        "tanpa-titik",
        "xx." + _b64url(b"\xff\xfe bukan json"),
        "",
        "a" * 9000 + "." + "b",
    ],
)
def test_a_forged_or_broken_signed_request_is_refused_and_erases_nothing(client, messenger_citizen, forged):
    response = client.post(reverse("channels:data_deletion"), {"signed_request": forged})
    assert response.status_code == 400
    assert "error" in response.json()
    assert not DataDeletionRequest.objects.exists()
    assert Ticket.objects.filter(anonymized_at__isnull=False).count() == 0


def test_only_post_and_no_csrf_token_needed(messenger_citizen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(reverse("channels:data_deletion")).status_code == 405
    response = strict.post(reverse("channels:data_deletion"), {"signed_request": signed_request(PSID)})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("times", "reason"),
    [
        ({"issued_at": int(time.time()) - 2 * 3600}, "kedaluwarsa"),  # signed two hours ago
        ({"issued_at": int(time.time()) + 3600}, "masa depan"),  # from the future beyond clock skew
        ({"issued_at": None}, "issued_at"),
        ({"issued_at": "kemarin"}, "issued_at"),
        ({"expires": int(time.time()) - 3600}, "expires"),  # expired although recently issued
        ({"expires": "besok"}, "expires"),
    ],
)
def test_an_expired_or_undated_signed_request_is_refused_with_its_reason(
    client, messenger_citizen, times, reason
):
    response = client.post(
        reverse("channels:data_deletion"), {"signed_request": signed_request(PSID, **times)}
    )
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not DataDeletionRequest.objects.exists()
    assert Ticket.objects.filter(anonymized_at__isnull=False).count() == 0


def test_a_replayed_signed_request_gets_the_same_code_and_erases_nothing_twice(
    client, messenger_citizen, django_capture_on_commit_callbacks
):
    request = signed_request(PSID)
    answers = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(reverse("channels:data_deletion"), {"signed_request": request})
        assert response.status_code == 200
        answers.append((response.json(), len(callbacks)))
    assert answers[0][0] == answers[1][0] == answers[2][0]
    assert [n for _, n in answers] == [1, 0, 0]  # one erasure task, for the first only
    assert DataDeletionRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBJECT_ERASE).count() == 1
    # A new request for the same person (another signed_request) is a new request.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("channels:data_deletion"), {"signed_request": signed_request(PSID, nonce="2")}
        )
    assert again.status_code == 200 and again.json() != answers[0][0]


@pytest.mark.parametrize(
    "payload",
    [b"[" * 6000, b'{"a":' * 1500 + b"1" + b"}" * 1500, b'{"algorithm": 5, "user_id": "1"}', b"[1,2]"],
    ids=["deep list", "deep object", "algorithm a number", "a list"],
)
def test_a_deeply_nested_or_odd_payload_is_refused_not_a_500(client, messenger_citizen, payload):
    """brk15: facebook-sdk decoded the JSON before it checked the signature, and 6000 "[" raised a
    RecursionError (a 500). Unsigned, such a payload is never decoded; signed, it is refused."""
    encoded = _b64url(payload)
    signed = _b64url(hmac.new(APP_SECRET.encode(), encoded.encode(), hashlib.sha256).digest())
    for raw in (f"AAAA.{encoded}", f"{signed}.{encoded}"):
        response = client.post(reverse("channels:data_deletion"), {"signed_request": raw})
        assert response.status_code == 400, raw[:20]
    assert not DataDeletionRequest.objects.exists()


def test_another_spelling_of_the_same_signature_is_the_same_request(
    client, messenger_citizen, django_capture_on_commit_callbacks
):
    """brk15: a padded signature, or one with "+/" for "-_", verified as the same bytes but counted as
    a new request (a second confirmation code, a second erasure run)."""
    request = next(  # a signature that has a "-" or "_" to spell as "+" or "/"
        r
        for r in (signed_request(PSID, nonce=str(n)) for n in range(100))
        if {"-", "_"} & set(r.split(".")[0])
    )
    signature, payload = request.split(".")
    plus = signature.replace("-", "+").replace("_", "/")
    spellings = [
        request,
        f"{signature}=.{payload}",
        f"{plus}.{payload}",
        f"{signature[:5]}*{signature[5:]}.{payload}",
    ]
    codes = set()
    for raw in spellings:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("channels:data_deletion"), {"signed_request": raw})
        assert response.status_code == 200, raw
        codes.add(response.json()["confirmation_code"])
    assert len(codes) == 1 and DataDeletionRequest.objects.count() == 1
