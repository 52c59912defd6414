"""NIK where it must not be whole (issue #15, item 6): the access log, the officials' queue, the API's
ticket list, and the forms of writing a NIK the masker must know."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from officials.services import escalation_create
from tests.factories import inbound, staff_user
from tests.support import ROOT
from tickets.ingest import ticket_ingest
from tickets.models import Department, NumberMention, Official
from tickets.privacy.nik import find_numbers, mask_numbers_in, mask_personal_text
from tickets.privacy.subjects import SubjectQuery, subject_contacts, subject_erase
from tickets.reference_data import reference_data_seed

NIK = "7372014507900001"
MASKED = "737201******0001"


@pytest.mark.parametrize(
    "written",
    [
        "7372/0145/0790/0001",
        "7372  0145  0790  0001",
        "7372 0145  0790 0001",
        "7372 - 0145 - 0790 - 0001",
        "7372_0145_0790_0001",
        "7372\u00a00145\u00a00790\u00a00001",
        "7372.01.450790.0001",
    ],
)
def test_the_masker_catches_the_ways_people_write_a_nik(written):
    text = f"NIK saya {written}, mohon dibantu"
    assert [n.value for n in find_numbers(text)] == [NIK]
    masked = mask_numbers_in(text)
    assert masked == f"NIK saya {MASKED}, mohon dibantu"


def test_a_longer_run_is_not_one_number():
    assert find_numbers("7372014507900001234") == []  # 19 digits: an account number


# What the outside tester sent: numbers split by line breaks and invisible characters, written with
# full-width or Arabic-Indic digits. Each is found and masked where it stands in the original text.
FULL_WIDTH = "".join(chr(0xFF10 + int(d)) for d in NIK)
ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in NIK)
DISGUISED = [
    "7372 0145\n0790 0001",
    "73720145\r\n07900001",
    "7372014507\n900001",
    "7372\u200b0145\u200c0790\u200d0001",
    "737201\u2060450790\ufeff0001",
    "7\u200b3\u200b7\u200b2\u200b0\u200b1\u200b4\u200b5\u200b0\u200b7\u200b9\u200b0\u200b0\u200b0\u200b0\u200b1",
    FULL_WIDTH,
    ARABIC_INDIC,
    "７３７２ ０１４５\u200b0790 0001",
]


@pytest.mark.parametrize("written", DISGUISED)
def test_the_masker_sees_through_line_breaks_invisible_characters_and_other_digits(written):
    text = f"NIK saya {written}, mohon dibantu"
    (found,) = find_numbers(text)
    assert found.value == NIK and text[found.start : found.end] == written
    assert mask_numbers_in(text) == f"NIK saya {MASKED}, mohon dibantu"
    assert MASKED in mask_personal_text(text)


@pytest.mark.parametrize(
    "written",
    [
        "0812\u200b3456\u200b7890",
        "0812\n3456 7890",
        "０８１２３４５６７８９０",
        "+62\u200d812\u20603456\ufeff7890",
    ],
)
def test_the_phone_masker_sees_through_them_too(written):
    masked = mask_personal_text(f"hubungi {written} ya")
    assert masked.startswith("hubungi ") and masked.endswith(" ya")
    digits = "".join(str(unicodedata.decimal(c)) for c in masked if unicodedata.decimal(c, None) is not None)
    assert "3456" not in digits and "****" in masked


def _digits_of(text: str) -> str:
    return "".join(str(unicodedata.decimal(c)) for c in text if unicodedata.decimal(c, None) is not None)


def _grouped(separator: str) -> str:
    return separator.join([NIK[0:4], NIK[4:8], NIK[8:12], NIK[12:16]])


# The second outside test (brk15): other invisible characters and other separators.
DISGUISED_MORE = {
    "LRM between digits": "\u200e".join(NIK),
    "RLM between digits": "\u200f".join(NIK),
    "LRI/PDI around digits": "\u2066" + "\u2069\u2066".join(NIK) + "\u2069",
    "invisible times": "\u2062".join(NIK),
    "combining grapheme joiner": "\u034f".join(NIK),
    "Mongolian vowel separator": "\u180e".join(NIK),
    "VS16 after digits": "\ufe0f".join(NIK),
    "keycap digits": "".join(c + "\ufe0f\u20e3" for c in NIK),
    "Hangul filler": "\u3164".join(NIK),
    "Hangul choseong filler": "\u115f".join(NIK),
    "braille blank": "\u2800".join(NIK),
    "en dash groups": _grouped("\u2013"),
    "em dash groups": _grouped("\u2014"),
    "minus sign groups": _grouped("\u2212"),
    "hyphen U+2010 groups": _grouped("\u2010"),
    "comma groups": _grouped(","),
    "pipe groups": _grouped("|"),
    "colon groups": _grouped(":"),
    "four spaces": _grouped("    "),
    "line separator": _grouped("\u2028"),
    "paragraph separator": _grouped("\u2029"),
    "NEL": _grouped("\u0085"),
    "vertical tab": _grouped("\x0b"),
    "form feed": _grouped("\x0c"),
    "NUL between digits": "\x00".join(NIK),
    "Ogham space": _grouped("\u1680"),
    "ideographic space": _grouped("\u3000"),
    "two separators of two kinds": _grouped(" \u2013\u200e "),
}


@pytest.mark.parametrize("written", DISGUISED_MORE.values(), ids=DISGUISED_MORE.keys())
def test_the_masker_sees_through_format_characters_dashes_and_other_separators(written):
    text = f"NIK saya {written} ya"
    (found,) = find_numbers(text)
    assert found.value == NIK
    masked = mask_numbers_in(text)
    assert NIK not in _digits_of(masked) and MASKED in masked
    assert masked.startswith("NIK saya ") and masked.endswith(" ya")  # masked where it stood
    assert NIK not in _digits_of(mask_personal_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "tanggal 12-01-2020, 11-03-2021 dan 15-02-2022",  # dates, a valid NIK shape when run together
        "jadwal 12/01/2020 | 11/03/2021",
        "jam 11:30, 12:45, 13:15, 14:30",
        "biaya Rp 1,500,000, Rp 2,750,000, Rp 125,000",
        "nomor 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12",
        "hubungi 0812-3456-7890 atau 0813-1111-2222",
        "rekening 1234-5678-9012-3456-7890",
        "Pasal 7: 3, 7: 2, 0: 1 dan 45: 07",
    ],
)
def test_ordinary_numbers_in_prose_stay_as_they_are(text):
    assert find_numbers(text) == []
    assert mask_numbers_in(text) == text


_GAPS = ["", " ", "\n", "\r\n", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", " \u200b-", "\u00a0"]
_FORMS = [str, lambda d: chr(0xFF10 + int(d)), lambda d: chr(0x0660 + int(d)), lambda d: chr(0x06F0 + int(d))]


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.sampled_from(_GAPS), min_size=15, max_size=15),
    forms=st.lists(st.sampled_from(range(len(_FORMS))), min_size=16, max_size=16),
    before=st.text(alphabet="abc NIK:,", max_size=12),
    after=st.text(alphabet="abc ,.!", max_size=12),
)
def test_property_a_disguised_nik_is_found_and_masked_in_place(gaps, forms, before, after):
    written = "".join(_FORMS[f](d) + gap for d, f, gap in zip(NIK, forms, [*gaps, ""], strict=True))
    text = f"{before} {written} {after}"
    (found,) = find_numbers(text)
    assert found.value == NIK and text[found.start : found.end] == written
    assert mask_numbers_in(text) == f"{before} {MASKED} {after}"
    assert find_numbers(mask_personal_text(text)) == []


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["7372014507\n900001", "7372\u200b0145\u200b0790\u200b0001", FULL_WIDTH])
def test_erasure_by_nik_finds_a_ticket_that_disguised_it(written):
    """The index is built by the same masker: a NIK split by a line break or zero-width spaces, or in
    full-width digits, still links its ticket to the citizen, so erasure by NIK reaches it."""
    reference_data_seed()
    admin = staff_user("adm", group="admin")
    ticket = ticket_ingest(message=inbound(sender="081277770007", text=f"NIK {written} ya")).ticket
    contacts = subject_contacts(query=SubjectQuery(nik=NIK))
    assert [c.pk for c in contacts] == [ticket.contact_id]
    assert subject_erase(contacts=contacts, actor=admin) == 1


@pytest.mark.django_db
def test_erasure_by_nik_finds_the_ticket_that_wrote_it_with_slashes():
    reference_data_seed()
    admin = staff_user("adm", group="admin")
    ticket = ticket_ingest(
        message=inbound(sender="081277770001", text="Tolong cek NIK 7372/0145/0790/0001 ya")
    ).ticket
    assert NumberMention.objects.filter(ticket=ticket).exists()
    contacts = subject_contacts(query=SubjectQuery(nik=NIK))
    assert [c.pk for c in contacts] == [ticket.contact_id]
    assert subject_erase(contacts=contacts, actor=admin) == 1


def test_personal_text_masking_of_subjects():
    subject = "Re: KK NIK 7372 0145 0790 0001 - budi.santoso@example.com / 0812-3456-7890"
    masked = mask_personal_text(subject)
    assert NIK not in masked.replace(" ", "") and MASKED in masked
    assert "budi.santoso@" not in masked and "bu***@example.com" in masked
    assert "3456" not in masked


@pytest.mark.django_db
def test_the_officials_queue_masks_the_nik_in_the_question_preview(client):
    reference_data_seed()
    operator = staff_user("op", group="operator")
    official = staff_user("kabid", group="official")
    department = Department.objects.get(code="capil")
    Official.objects.create(user=official).departments.add(department)
    ticket = ticket_ingest(message=inbound(sender="081277770002", text="Halo")).ticket
    escalation_create(
        ticket=ticket,
        department=department,
        question=f"Warga NIK {NIK} minta koreksi tanggal lahir",
        requested_by=operator,
    )
    client.force_login(official)
    page = client.get("/pejabat/").content.decode()
    assert MASKED in page
    assert NIK not in page


@pytest.mark.django_db
def test_the_api_ticket_list_masks_an_e_mail_subject_and_the_detail_shows_it(client):
    reference_data_seed()
    operator = staff_user("op", group="operator")
    message = inbound(
        sender="budi@example.com", sender_kind="email", text="Mohon bantuan", channel="email", provider="imap"
    )
    ticket = ticket_ingest(message=message).ticket
    ticket.subject = f"NIK {NIK} tidak terdaftar, hubungi 0812-3456-7890"
    ticket.save(update_fields=["subject"])
    client.force_login(operator)
    listing = client.get("/api/v1/tickets/").json()["results"]
    row = next(r for r in listing if r["id"] == ticket.pk)
    assert MASKED in row["subject"] and NIK not in row["subject"] and "3456-7890" not in row["subject"]
    detail = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert NIK in detail["subject"]  # the single ticket shows it to the roles that work it


@pytest.mark.django_db
def test_the_api_escalation_list_masks_the_question_answer_and_note_and_the_detail_shows_them(client):
    reference_data_seed()
    operator = staff_user("op", group="operator")
    official = staff_user("kabid", group="official")
    department = Department.objects.get(code="capil")
    Official.objects.create(user=official).departments.add(department)
    ticket = ticket_ingest(message=inbound(sender="081277770003", text="Halo")).ticket
    escalation = escalation_create(
        ticket=ticket,
        department=department,
        question=f"NIK {NIK}, e-mail budi.santoso@example.com, HP 0812-3456-7890",
        requested_by=operator,
    )
    type(escalation).objects.filter(pk=escalation.pk).update(
        answer=f"Sudah dicek NIK {NIK}", return_note="hubungi +6281234567890"
    )
    for user in (operator, official):
        client.force_login(user)
        (row,) = client.get("/api/v1/escalations/").json()["results"]
        text = row["question"] + row["answer"] + row["return_note"]
        assert MASKED in row["question"] and NIK not in text
        assert "budi.santoso@" not in text and "3456-7890" not in text and "81234567890" not in text
        detail = client.get(f"/api/v1/escalations/{escalation.pk}/").json()
        assert NIK in detail["question"]  # one escalation shows it whole to the roles that work it


@pytest.mark.django_db
def test_a_nik_in_an_attachment_name_is_masked_on_pages_and_in_the_download_header(client):
    """A citizen names a photo after their NIK: the official's escalation page, the inbox ticket page
    and both downloads' Content-Disposition show it masked."""
    from tests.test_ingest import PNG
    from tickets.inbound import InboundAttachment
    from tickets.models import Attachment

    reference_data_seed()
    operator = staff_user("op", group="operator")
    official = staff_user("kabid", group="official")
    department = Department.objects.get(code="capil")
    Official.objects.create(user=official).departments.add(department)
    name = f"KTP {NIK} budi.png"
    photo = InboundAttachment(filename=name, content_type="image/png", content=PNG)
    ticket = ticket_ingest(message=inbound(sender="081277770004", text="", attachments=(photo,))).ticket
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert attachment.original_name == name  # kept whole for the data-subject export and erasure
    escalation = escalation_create(ticket=ticket, department=department, question="?", requested_by=operator)

    client.force_login(official)
    page = client.get(f"/pejabat/eskalasi/{escalation.pk}/").content.decode()
    assert MASKED in page and NIK not in page
    download = client.get(f"/pejabat/eskalasi/{escalation.pk}/lampiran/{attachment.pk}/")
    assert download.status_code == 200
    assert (
        NIK not in download["Content-Disposition"] and "737201xxxxxx0001" in download["Content-Disposition"]
    )

    client.force_login(operator)
    page = client.get(f"/inbox/tiket/{ticket.pk}/").content.decode()
    assert MASKED in page and NIK not in page
    download = client.get(f"/inbox/lampiran/{attachment.pk}/")
    assert download.status_code == 200
    assert (
        NIK not in download["Content-Disposition"] and "737201xxxxxx0001" in download["Content-Disposition"]
    )


@pytest.mark.django_db
def test_a_search_by_nik_is_not_repeated_in_the_urls_the_inbox_polls(client):
    """The list's poll and the workspace's list pane request their URL every few seconds: the search
    travels there as a token kept in the session, and the poll still filters by it."""
    from urllib.parse import quote

    reference_data_seed()
    operator = staff_user("op", group="operator")
    found = ticket_ingest(message=inbound(sender="081277770005", text=f"NIK saya {NIK} mohon dicek")).ticket
    other = ticket_ingest(message=inbound(sender="081277770006", text="Syarat KTP?")).ticket
    client.force_login(operator)
    listing = client.get("/inbox/", {"q": NIK, "channel": "whatsapp"})
    assert listing.status_code == 200
    poll_url = listing.context["poll_url"]
    assert (
        NIK not in poll_url
        and "q=" not in poll_url
        and "cari=" in poll_url
        and "channel=whatsapp" in poll_url
    )
    rows = client.get(poll_url + "&since=0").json()["rows"]
    assert [row["id"] for row in rows] == [found.pk]  # still the search's result, not every ticket
    unfiltered = {row["id"] for row in client.get("/inbox/baru/", {"since": "0"}).json()["rows"]}
    assert {found.pk, other.pk} <= unfiltered
    assert client.get("/inbox/baru/", {"since": "0", "cari": "tidak-dikenal"}).status_code == 400

    page = client.get(f"/inbox/tiket/{found.pk}/", {"back": f"/inbox/?q={quote(NIK)}"})
    pane_url = page.context["pane_url"]
    assert NIK not in pane_url and "cari=" in pane_url
    assert [row["id"] for row in client.get(pane_url).json()["rows"]] == [found.pk]
    assert f"q={NIK}" in page.context["back_url"]  # the link back to the list is followed once, by a click


@pytest.mark.django_db
def test_the_data_subject_search_is_posted_so_no_nik_travels_in_a_url(client):
    reference_data_seed()
    ticket_ingest(message=inbound(sender="081277770003", text=f"NIK {NIK}"))
    client.force_login(staff_user("adm", group="admin"))
    page = client.get("/privasi-data/").content.decode()
    assert 'method="post"' in page.split("<form", 1)[1].split(">", 1)[0]
    found = client.post("/privasi-data/", {"nik": NIK})
    assert found.status_code == 200 and "+6281277770003" in found.content.decode()
    ignored = client.get("/privasi-data/", {"nik": NIK})  # an old link: not searched
    assert "+6281277770003" not in ignored.content.decode()


# --- gunicorn's access log ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _access_log_of(tmp_path, *config: str) -> str:
    """Run a real gunicorn (with ``config`` arguments), GET a URL carrying a NIK, return its access log."""
    port = _free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(CURHAT_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="curhat.settings")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [gunicorn, *config, "--bind", f"127.0.0.1:{port}", "--workers", "1", "curhat.wsgi:application"],
            cwd=tmp_path,  # no ./gunicorn.conf.py is picked up by accident
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/masuk/?nik={NIK}&q={NIK}", timeout=5)
                    # The inbox's search and its poll (signed out: redirected to the sign-in page,
                    # the search in ``next``): neither request line keeps the query.
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/inbox/?q={NIK}", timeout=5)
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/inbox/baru/?q={NIK}&since=0", timeout=5)
                    for path in (f"/lacak/{NIK}/", f"/lacak/{_grouped('-')}/", "/lacak/%37" + NIK[1:] + "/"):
                        # A tracking token that is a NIK (404): its path is logged all the same.
                        with contextlib.suppress(urllib.error.HTTPError):
                            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise
                    time.sleep(0.3)
            time.sleep(0.5)
        finally:
            process.terminate()
            process.wait(timeout=20)
    return log.read_text()


@pytest.mark.timeout(120)
def test_gunicorns_access_log_keeps_no_query_string_with_our_format(tmp_path):
    default = _access_log_of(tmp_path, "-c", "/dev/null", "--access-logfile", "-")
    assert f"/masuk/?nik={NIK}" in default, default  # gunicorn's own format logs the whole request line
    ours = _access_log_of(tmp_path, "-c", str(ROOT / "gunicorn.conf.py"), "--access-logfile", "-")
    assert '"GET /masuk/ HTTP/1.1" 200' in ours, ours
    assert '"GET /inbox/ HTTP/1.1" 302' in ours and '"GET /inbox/baru/ HTTP/1.1" 302' in ours, ours
    assert NIK not in ours and "nik=" not in ours and "q=" not in ours
    assert f'"GET /lacak/{MASKED}/ HTTP/1.1" 404' in ours, ours  # brk15: the path kept the whole NIK
    assert _grouped("-") not in ours and "%37" + NIK[1:] not in ours, ours


@pytest.mark.django_db
def test_a_nik_in_the_contacts_name_is_masked_in_lists_and_indexed_for_erasure(client):
    """A WhatsApp profile named "Andi 7372014507900001": the inbox list, its panel and the API's lists
    show the name masked, the single ticket and contact show it, and erasure by NIK finds the contact."""
    reference_data_seed()
    operator = staff_user("op", group="operator")
    admin = staff_user("adm", group="admin")
    disguised = f"Andi {_grouped(chr(0x2013))}"
    ticket = ticket_ingest(message=inbound(sender="081277770008", name=f"Andi {NIK}", text="Halo")).ticket
    other = ticket_ingest(message=inbound(sender="081277770009", name=disguised, text="Halo")).ticket
    client.force_login(operator)
    for url in ("/inbox/", "/inbox/panel/"):
        page = client.get(url).content.decode()
        assert f"Andi {MASKED}" in page and NIK not in _digits_of(page), url
    tickets = client.get("/api/v1/tickets/").json()["results"]
    contacts = client.get("/api/v1/contacts/").json()["results"]
    for rows in (tickets, contacts):
        text = str(rows)
        assert f"Andi {MASKED}" in text and NIK not in _digits_of(text)
    assert client.get(f"/api/v1/tickets/{ticket.pk}/").json()["contact"]["name"] == f"Andi {NIK}"
    assert client.get(f"/api/v1/contacts/{other.contact_id}/").json()["name"] == disguised

    found = subject_contacts(query=SubjectQuery(nik=NIK))
    assert [c.pk for c in found] == sorted([ticket.contact_id, other.contact_id])
    assert subject_erase(contacts=found, actor=admin) == 2


@pytest.mark.django_db
def test_a_disguised_nik_in_an_attachment_name_is_masked_in_the_api_and_the_inbox(client):
    from tests.test_ingest import PNG
    from tickets.inbound import InboundAttachment
    from tickets.models import Attachment

    reference_data_seed()
    operator = staff_user("op", group="operator")
    name = f"KTP {chr(0x200E).join(NIK)}.png"
    photo = InboundAttachment(filename=name, content_type="image/png", content=PNG)
    ticket = ticket_ingest(message=inbound(sender="081277770010", text="", attachments=(photo,))).ticket
    attachment = Attachment.objects.get(message__ticket=ticket)
    client.force_login(operator)
    page = client.get(f"/inbox/tiket/{ticket.pk}/").content.decode()
    assert MASKED in page and NIK not in _digits_of(page)
    download = client.get(f"/inbox/lampiran/{attachment.pk}/")
    assert NIK not in _digits_of(download["Content-Disposition"])
    messages = client.get(f"/api/v1/tickets/{ticket.pk}/messages/").json()["results"]
    (listed,) = messages[0]["attachments"]
    assert MASKED in listed["original_name"] and NIK not in _digits_of(listed["original_name"])
    assert [c.pk for c in subject_contacts(query=SubjectQuery(nik=NIK))] == [ticket.contact_id]


@pytest.mark.django_db
def test_an_erased_attachment_is_a_404_for_the_official_as_in_the_inbox(client):
    """brk15: after erasure the official's download raised ValueError (no file): a 500."""
    from tests.test_ingest import PNG
    from tickets.inbound import InboundAttachment
    from tickets.models import Attachment

    reference_data_seed()
    operator = staff_user("op", group="operator")
    official = staff_user("kabid", group="official")
    department = Department.objects.get(code="capil")
    Official.objects.create(user=official).departments.add(department)
    photo = InboundAttachment(filename="ktp.png", content_type="image/png", content=PNG)
    ticket = ticket_ingest(message=inbound(sender="081277770012", text="", attachments=(photo,))).ticket
    attachment = Attachment.objects.get(message__ticket=ticket)
    escalation = escalation_create(ticket=ticket, department=department, question="?", requested_by=operator)
    subject_erase(contacts=subject_contacts(query=SubjectQuery(phone="081277770012")), actor=operator)
    client.force_login(official)
    assert client.get(f"/pejabat/eskalasi/{escalation.pk}/lampiran/{attachment.pk}/").status_code == 404
    client.force_login(operator)
    assert client.get(f"/inbox/lampiran/{attachment.pk}/").status_code == 404


@pytest.mark.django_db
def test_erasure_redacts_the_citizens_phone_email_and_nik_in_other_citizens_messages():
    """brk15: erasing citizen A kept contact B's message naming A's phone and e-mail, and B's raw
    provider event. Now A's phone, e-mail and NIK are replaced in B's texts (the rest of B's words
    stay), and raw events naming them are deleted."""
    from channels.models import InboundEvent

    reference_data_seed()
    admin = staff_user("adm", group="admin")
    a_phone = inbound(sender="081277770020", text=f"NIK saya {NIK}, email adik.rina@example.com")
    a = ticket_ingest(message=a_phone).ticket
    a_mail = inbound(
        sender="adik.rina@example.com", sender_kind="email", channel="email", provider="imap", text="Halo"
    )
    ticket_ingest(message=a_mail)
    b_text = (
        "Saya kakaknya. Nomor adik saya 0812\u20137777\u20130020, e-mail Adik.Rina@example.com, "
        f"NIK {_grouped(' ')}. Nomor saya sendiri 081299990001, NIK saya 7372031201850002."
    )
    b = ticket_ingest(message=inbound(sender="081299990001", text=b_text)).ticket
    b.subject = "Fwd: adik.rina@example.com"
    b.save(update_fields=["subject"])
    InboundEvent.objects.create(
        provider="meta_whatsapp", body=b'{"from": "6281299990001", "text": {"body": "adik 0812-7777-0020"}}'
    )
    InboundEvent.objects.create(provider="meta_whatsapp", body=b'{"from": "6281299990002", "text": "lain"}')

    contacts = subject_contacts(query=SubjectQuery(phone="081277770020", email="adik.rina@example.com"))
    assert a.contact_id in [c.pk for c in contacts] and b.contact_id not in [c.pk for c in contacts]
    subject_erase(contacts=contacts, actor=admin)

    body = b.messages.get().body
    assert body.startswith("Saya kakaknya. Nomor adik saya [dihapus], e-mail [dihapus], NIK [dihapus].")
    assert "081299990001" in body and "7372031201850002" in body  # B's own data stays
    b.refresh_from_db()
    assert b.subject == "Fwd: [dihapus]"
    assert list(InboundEvent.objects.values_list("body", flat=True)) == [
        b'{"from": "6281299990002", "text": "lain"}'
    ]
    assert subject_contacts(query=SubjectQuery(nik=NIK)) == []  # no index row names it any more


def test_redacting_mentions_leaves_other_numbers_as_they_were_written():
    from tickets.privacy.nik import redact_mentions

    text = "hp ０８１２３４５６７８９０ dan 0813 1111 2222, a@b.id, c@d.id, NIK 7372031201850002"
    redacted = redact_mentions(
        text, niks={"7372031201850002"}, phones={"81311112222"}, emails={"c@d.id"}, marker="[x]"
    )
    assert redacted == "hp ０８１２３４５６７８９０ dan [x], a@b.id, [x], NIK [x]"


# --- the third outside test (brkv) ----------------------------------------------------------------------

# Groups joined by any punctuation or symbol, parentheses, long runs of white space: in a NIK's
# grouping (4-4-4-4 here) the number is found, masked where it stood, and indexed.
DISGUISED_BRKV = {
    "semicolon": _grouped(";"),
    "plus": _grouped("+"),
    "asterisk": _grouped("*"),
    "hash": _grouped("#"),
    "tilde": _grouped("~"),
    "middle dot U+00B7": _grouped("\u00b7"),
    "bullet U+2022": _grouped("\u2022"),
    "apostrophe": _grouped("'"),
    "backslash": _grouped("\\"),
    "equals": _grouped("="),
    "parenthesised region": "(7372) 0145-0790-0001",
    "five spaces": _grouped(" " * 5),
    "newline + indentation": _grouped("\n     "),
    "tabs x5": _grouped("\t" * 5),
    "ideographic full stop": _grouped("\u3002"),
    "arabic comma": _grouped("\u060c"),
    "2-2-2-6-4 with semicolons": "73;72;01;450790;0001",
    "6-6-4 with bullets": "737201\u2022450790\u20220001",
    "8-8 with an equals sign": "73720145 = 07900001",
}


@pytest.mark.parametrize("written", DISGUISED_BRKV.values(), ids=DISGUISED_BRKV.keys())
def test_the_masker_sees_through_any_punctuation_in_a_niks_grouping(written):
    text = f"NIK saya {written} mohon dicek"
    (found,) = find_numbers(text)
    assert found.value == NIK
    masked = mask_numbers_in(text)
    assert NIK not in _digits_of(masked) and MASKED in masked
    assert masked.startswith("NIK saya ") and masked.endswith(" mohon dicek")
    assert NIK not in _digits_of(mask_personal_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "jadwal 15/03/2026 08.00-12.00 bisa?",  # was "jadwal 150320******1200 bisa?"
        "tanggal 15-03-2026 jam 08:00 s.d. 12:00",
        "tgl 2026-03-15 08.00 - 12.00",
        "buka 15.03.2026 08.00-12.00, 13.00-15.30",
        "jadwal 08/12/2025 10.00",  # was taken for a mobile number (08…)
        "tanggal 01/08/2026 10.00-12.00",
        "tgl 15/03/2026 0145 0790 0001",  # a date then a serial: no NIK across the date
    ],
)
def test_dates_and_times_of_day_stay_readable(text):
    assert find_numbers(text) == []
    assert mask_personal_text(text) == text


def test_a_nik_in_a_grouping_of_its_own_is_masked_even_when_it_could_be_a_queue_number():
    """PP.KK.CC.DD.MM.YY.SSSS (2-2-2-2-2-2-4) is how people write a NIK: when the digits are a valid
    NIK, such a number is masked (a queue number of that shape is the price of not leaking a NIK)."""
    assert mask_numbers_in("NIK 73.72.01.45.07.90.0001") == f"NIK {MASKED}"
    assert mask_numbers_in("nomor antrian 12.01.20.26.05.11.1234") == "nomor antrian 120120******1234"


@settings(max_examples=200, deadline=None)
@given(
    separators=st.lists(
        st.text(
            alphabet=st.characters(
                whitelist_categories=("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs"),
            ).filter(lambda c: not any(x.isalnum() for x in unicodedata.normalize("NFKC", c))),
            min_size=1,
            max_size=3,
        ),
        min_size=3,
        max_size=3,
    ),
    before=st.text(alphabet="abc NIK", max_size=12),
    after=st.text(alphabet="abc ,.!", max_size=12),
)
def test_property_a_nik_in_four_groups_is_found_whatever_joins_them(separators, before, after):
    groups = [NIK[0:4], NIK[4:8], NIK[8:12], NIK[12:16]]
    written = groups[0] + "".join(sep + group for sep, group in zip(separators, groups[1:], strict=True))
    text = f"{before} {written} {after}"
    assert [n.value for n in find_numbers(text)] == [NIK]
    assert NIK not in _digits_of(mask_numbers_in(text))
    assert NIK not in _digits_of(mask_personal_text(text))


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(),
    date_separator=st.sampled_from("/-."),
    time_separator=st.sampled_from(".:"),
    hours=st.lists(st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45])), min_size=1, max_size=3),
    between=st.sampled_from(["-", " - ", ", ", " s.d. "]),
)
def test_property_a_date_and_opening_hours_are_never_masked(
    day, date_separator, time_separator, hours, between
):
    date = date_separator.join([f"{day.day:02d}", f"{day.month:02d}", f"{day.year:04d}"])
    times = between.join(f"{h:02d}{time_separator}{m:02d}" for h, m in hours)
    text = f"jadwal {date} {times} bisa?"
    assert mask_personal_text(text) == text


# Mobile numbers as WhatsApp shows them (brkv item 2): masked in lists, and redacted on erasure.
WHATSAPP_PHONES = [
    "+62 812-3456-7890",
    "62 812 3456 7890",
    "(0812) 3456-7890",
    "0812/3456/7890",
    "0812 - 3456 - 7890",
    "+62 (812) 3456 7890",
    "+62-812-3456-7890",
    "0812.3456.7890",
    "+62 (0)812-3456-7890",
]


@pytest.mark.parametrize("written", WHATSAPP_PHONES)
def test_a_mobile_number_as_whatsapp_writes_it_is_masked_and_redacted(written):
    from tickets.privacy.nik import redact_mentions

    masked = mask_personal_text(f"hubungi {written} ya")
    assert masked.startswith("hubungi ") and masked.endswith(" ya") and "****" in masked
    assert "3456" not in _digits_of(masked)
    redacted = redact_mentions(
        f"hubungi {written} ya", niks=set(), phones={"81234567890"}, emails=set(), marker="[x]"
    )
    assert redacted == "hubungi [x] ya"


def test_redacting_a_phone_leaves_other_numbers_written_the_same_way():
    from tickets.privacy.nik import redact_mentions

    text = "adik +62 812-5550-0301, (0812) 5550-0301; kakak +62 812-5550-0302, jadwal 15/03/2026 08.00"
    redacted = redact_mentions(text, niks=set(), phones={"81255500301"}, emails=set(), marker="[x]")
    assert redacted == "adik [x], [x]; kakak +62 812-5550-0302, jadwal 15/03/2026 08.00"


@pytest.mark.django_db
def test_erasure_redacts_the_phone_as_whatsapp_wrote_it_in_another_citizens_message():
    """brkv: erasing 081255500301 left "+62 812-5550-0301" and "(0812) 5550-0301" in B's message."""
    reference_data_seed()
    admin = staff_user("adm", group="admin")
    ticket_ingest(message=inbound(sender="081255500301", text="Halo"))
    b_text = "Nomor adik saya +62 812-5550-0301 atau (0812) 5550-0301. NIK saya (7372) 0312-0185-0002."
    b = ticket_ingest(message=inbound(sender="081299990301", text=b_text)).ticket
    contacts = subject_contacts(query=SubjectQuery(phone="081255500301"))
    assert b.contact_id not in [c.pk for c in contacts]
    subject_erase(contacts=contacts, actor=admin)
    body = b.messages.get().body
    assert body == "Nomor adik saya [dihapus] atau [dihapus]. NIK saya (7372) 0312-0185-0002."
    assert [c.pk for c in subject_contacts(query=SubjectQuery(nik="7372031201850002"))] == [b.contact_id]


@pytest.mark.django_db
def test_erasure_finds_a_shorter_phone_whose_last_four_digits_whatsapp_splits():
    """WhatsApp writes 08125550031 as "+62 812-5550-031": the last four digits are not together, so
    the search for texts that may name the citizen looked past it."""
    reference_data_seed()
    admin = staff_user("adm", group="admin")
    ticket_ingest(message=inbound(sender="08125550031", text="Halo"))
    b = ticket_ingest(message=inbound(sender="081299990302", text="Nomor adik +62 812-5550-031 ya")).ticket
    b.subject = "Fwd: 0812 5550 03 1"
    b.save(update_fields=["subject"])
    subject_erase(contacts=subject_contacts(query=SubjectQuery(phone="08125550031")), actor=admin)
    assert b.messages.get().body == "Nomor adik [dihapus] ya"
    b.refresh_from_db()
    assert b.subject == "Fwd: [dihapus]"


def test_digits_before_a_nik_that_make_a_valid_number_with_it_do_not_hide_it():
    """ "3201 0112 0185 7372…": the first four groups are a valid NIK too. The one after was skipped
    (twelve of its digits left whole, and search and erasure by it missed the text)."""
    from tickets.privacy.nik import redact_mentions

    text = f"nomor 3201 0112 0185 {_grouped(' ')} ya"
    assert [n.value for n in find_numbers(text)] == ["3201011201857372", NIK]
    assert mask_numbers_in(text) == "nomor 320101******7372 **** **** **** ya"
    redacted = redact_mentions(text, niks={NIK}, phones=set(), emails=set(), marker="[x]")
    assert redacted == "nomor 3201 0112 0185 [x] ya"
