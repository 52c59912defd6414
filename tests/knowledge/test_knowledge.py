"""The knowledge base: seed, revisions, renderings, canned answers, routing, public pages, the
operators' JSON and the inbox include."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.template import Context, Template
from django.test import Client

from tests.factories import inbound, staff_user
from tickets.ingest import ticket_ingest
from tickets.knowledge.entries import (
    entry_render_email,
    entry_render_whatsapp,
    knowledge_entry_save,
    knowledge_seed,
)
from tickets.knowledge.routing import topic_route
from tickets.knowledge.seed_data import ENTRIES
from tickets.models import CannedAnswer, ClassifierPhrase, Department, KnowledgeEntry, Official, Topic

pytestmark = pytest.mark.django_db

REQUIRED_SLUGS = {
    "kk-baru-menikah",
    "kk-baru-pindah-datang",
    "kk-baru-pisah-kk",
    "kk-baru-kepala-keluarga-meninggal",
    "kk-numpang",
    "kk-perubahan-data",
    "kk-hilang-rusak",
    "ktp-el-perekaman",
    "ktp-el-hilang-rusak",
    "ktp-el-perubahan-data",
    "kia",
    "akta-kelahiran",
    "akta-kematian",
    "pindah-keluar",
    "pindah-datang",
    "perubahan-biodata",
    "ikd",
}


# --- seed -----------------------------------------------------------------------------------------


def test_seed_creates_every_service_of_domain_md_complete_and_free(seeded):
    entries = {entry.slug: entry for entry in KnowledgeEntry.objects.select_related("topic", "department")}
    assert set(entries) == REQUIRED_SLUGS
    for entry in entries.values():
        assert entry.checklist.strip(), entry.slug
        assert entry.legal_basis.strip(), entry.slug
        assert entry.service_time.strip(), entry.slug
        assert entry.fee.startswith("Gratis"), entry.slug
        assert entry.topic is not None and entry.department is not None, entry.slug
        assert "pengantar RT/RW" in entry.notes  # Perpres 96/2018, for every service
    assert entries["akta-kelahiran"].department.code == "capil"
    assert entries["akta-kematian"].department.code == "capil"
    assert entries["ikd"].department.code == "piak"
    assert entries["kk-hilang-rusak"].department.code == "dafduk"
    assert "F-2.01" in entries["akta-kelahiran"].forms
    assert "F-1.03" in entries["pindah-keluar"].forms
    assert "2×3" in entries["kia"].checklist


def test_seed_marks_unconfirmed_and_conflicting_entries(seeded):
    unconfirmed = set(KnowledgeEntry.objects.filter(unconfirmed=True).values_list("slug", flat=True))
    # [M] (pindah definition, name change), conflict (IKD self-activation), open points (KIA form
    # number, late-reporting fines).
    assert {"ikd", "pindah-keluar", "pindah-datang", "perubahan-biodata", "kia"} <= unconfirmed
    assert {"kk-hilang-rusak", "ktp-el-perekaman", "kk-baru-menikah"}.isdisjoint(unconfirmed)
    ikd = KnowledgeEntry.objects.get(slug="ikd")
    assert "20 Des 2023" in ikd.unconfirmed_note
    assert "perlu dicek kantor" in entry_render_whatsapp(ikd)


def test_seed_is_idempotent_and_never_overwrites_admin_edits(seeded):
    entry = KnowledgeEntry.objects.get(slug="kk-hilang-rusak")
    entry.checklist = "Diubah oleh admin"
    entry.save()
    ClassifierPhrase.objects.filter(phrase="kk + *hilang*").update(weight=9)
    counts = (KnowledgeEntry.objects.count(), ClassifierPhrase.objects.count(), CannedAnswer.objects.count())
    created = knowledge_seed()
    assert created["entries"] == 0 and created["phrases"] == 0
    assert counts == (
        KnowledgeEntry.objects.count(),
        ClassifierPhrase.objects.count(),
        CannedAnswer.objects.count(),
    )
    assert KnowledgeEntry.objects.get(slug="kk-hilang-rusak").checklist == "Diubah oleh admin"
    assert ClassifierPhrase.objects.get(phrase="kk + *hilang*").weight == 9


def test_every_topic_of_the_reference_data_has_clues(seeded):
    topics_with_phrases = set(ClassifierPhrase.objects.values_list("topic__code", flat=True))
    assert set(Topic.objects.exclude(code="lainnya").values_list("code", flat=True)) <= topics_with_phrases
    assert len(ENTRIES) == 17


# --- rendering --------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(REQUIRED_SLUGS))
def test_whatsapp_rendering_is_short_numbered_and_free_of_html(seeded, slug):
    entry = KnowledgeEntry.objects.get(slug=slug)
    text = entry_render_whatsapp(entry)
    body_lines = text.splitlines()
    assert body_lines[0] == f"*Syarat {entry.title}*"
    numbered = [line for line in body_lines if re.match(r"^\d+\. ", line)]
    assert [line.split(".")[0] for line in numbered] == [str(n) for n in range(1, len(numbered) + 1)]
    assert len(numbered) == len([line for line in entry.checklist.splitlines() if line.strip()])
    assert "<" not in text and ">" not in text and "&" not in text
    assert max(len(line) for line in body_lines) <= 200
    assert "Biaya: Gratis" in text
    assert text.rstrip().endswith(f"/persyaratan/{slug}/")


def test_email_rendering_has_subject_forms_and_legal_basis(seeded):
    subject, body = entry_render_email(KnowledgeEntry.objects.get(slug="akta-kelahiran"))
    assert subject == "Persyaratan Akta kelahiran"
    assert "Dasar hukum:" in body and "UU 23/2006" in body
    assert "F-2.03 SPTJM kebenaran data kelahiran" in body
    assert "Informasi lengkap: http" in body and "<" not in body


# --- revisions and canned answers -------------------------------------------------------------------


def test_every_save_stores_a_revision_and_refreshes_the_canned_answer(seeded):
    admin = staff_user("admin-kb", superuser=True)
    entry = KnowledgeEntry.objects.get(slug="kk-hilang-rusak")
    assert entry.revisions.count() == 1 and entry.revisions.get().author is None  # the seed
    entry.checklist += "\nFotokopi buku nikah"
    knowledge_entry_save(entry=entry, author=admin, comment="uji")
    revision = entry.revisions.order_by("-number").first()
    assert (revision.number, revision.author, revision.changed_fields) == (2, admin, ["checklist"])
    assert revision.snapshot["checklist"].endswith("Fotokopi buku nikah")
    canned = CannedAnswer.objects.get(shortcut="syarat-kk-hilang-rusak")
    assert "3. Fotokopi buku nikah" in canned.body
    assert canned.topic.code == "kk" and canned.title == "Syarat: KK hilang atau rusak"
    knowledge_entry_save(entry=entry, author=admin)  # no change: no new revision
    assert entry.revisions.count() == 2


def test_saving_in_the_admin_records_who_changed_what(seeded, client):
    admin = staff_user("admin-ui", superuser=True)
    client.force_login(admin)
    entry = KnowledgeEntry.objects.get(slug="ikd")
    url = f"/admin/tickets/knowledgeentry/{entry.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for index, sub in enumerate(formset.forms):
            for name in sub.fields:
                data[f"{formset.prefix}-{index}-{name}"] = sub[name].value()
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data.pop("unconfirmed")  # unticked: the office confirmed it
    data["fee"] = "Gratis"
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    entry.refresh_from_db()
    assert entry.unconfirmed is False and entry.updated_by == admin
    revision = entry.revisions.order_by("-number").first()
    assert revision.author == admin and set(revision.changed_fields) == {"unconfirmed", "fee"}
    history = client.get(f"/admin/tickets/knowledgerevision/{revision.pk}/change/")
    assert history.status_code == 200 and b"unconfirmed" in history.content


# --- routing ------------------------------------------------------------------------------------------


def test_topic_route_gives_department_and_default_official(seeded):
    capil = Department.objects.get(code="capil")
    user = staff_user("kabid-capil", group="official")
    official = Official.objects.create(user=user, title="Kabid Capil")
    official.departments.add(capil)
    assert topic_route("akta-kelahiran") == (capil, official)  # first available official
    deputy = Official.objects.create(user=staff_user("kasi", group="official"), title="Koordinator")
    deputy.departments.add(capil)
    capil.default_official = deputy
    capil.save()
    assert topic_route(Topic.objects.get(code="akta-kematian")) == (capil, deputy)
    deputy.is_available = False  # on leave: the next available one
    deputy.save()
    assert topic_route("akta-kematian") == (capil, official)
    assert topic_route("ktp-el") == (Department.objects.get(code="dafduk"), None)
    assert topic_route("lainnya") == (None, None)
    assert topic_route("tidak-ada") == (None, None)
    assert topic_route(None) == (None, None)


# --- public pages ---------------------------------------------------------------------------------------


def test_public_index_lists_every_published_entry(seeded, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        page = client.get("/persyaratan/")
    assert page.status_code == 200
    html = page.content.decode()
    for slug in REQUIRED_SLUGS:
        assert f'href="/persyaratan/{slug}/"' in html
    assert "perlu dicek kantor" in html
    assert '<meta name="viewport"' in html


def test_public_detail_page_and_unpublished_or_unknown_slugs(seeded, client):
    page = client.get("/persyaratan/kk-hilang-rusak/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Surat keterangan kehilangan dari kepolisian" in html
    assert "Gratis" in html and "Perpres 96/2018 Pasal 13" in html
    assert "Perlu dicek kantor." not in html
    assert "Perlu dicek kantor." in client.get("/persyaratan/ikd/").content.decode()
    KnowledgeEntry.objects.filter(slug="kia").update(is_published=False)
    assert client.get("/persyaratan/kia/").status_code == 404
    assert client.get("/persyaratan/tidak-ada/").status_code == 404
    assert client.post("/persyaratan/kk-hilang-rusak/").status_code == 405


def test_entry_text_is_escaped_on_the_public_page(seeded, client):
    entry = KnowledgeEntry.objects.get(slug="kia")
    entry.checklist = "<script>alert(1)</script>"
    knowledge_entry_save(entry=entry)
    html = client.get("/persyaratan/kia/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --- the operators' JSON and the inbox include ------------------------------------------------------------


def test_answers_json_is_for_operators_only(seeded):
    anonymous = Client()
    assert anonymous.get("/persyaratan/jawaban/").status_code == 403
    citizen = Client()
    citizen.force_login(get_user_model().objects.create_user("warga", password="rahasia-uji-123"))
    assert citizen.get("/persyaratan/jawaban/kia/").status_code == 403


def test_answers_json_puts_the_suggestion_first(seeded, settings, django_capture_on_commit_callbacks):
    settings.CURHAT_AUTOACK_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_ingest(message=inbound(text="KTP saya hilang kemarin di pasar")).ticket
    operator = Client()
    user = get_user_model().objects.create_user("operator-kb", password="rahasia-uji-123")
    user.groups.add(Group.objects.get(name="operator"))  # an operator without the admin flag
    operator.force_login(user)
    data = operator.get(f"/persyaratan/jawaban/?ticket={ticket.pk}").json()
    assert data["suggested"] == "ktp-el-hilang-rusak"
    assert data["entries"][0]["slug"] == "ktp-el-hilang-rusak"
    assert data["entries"][0]["whatsapp"].startswith("*Syarat KTP-el hilang atau rusak*")
    assert len(data["entries"]) == len(REQUIRED_SLUGS)
    one = operator.get("/persyaratan/jawaban/ikd/").json()
    assert (
        one["unconfirmed"] is True
        and one["email_subject"] == "Persyaratan Identitas Kependudukan Digital (IKD)"
    )
    assert operator.get("/persyaratan/jawaban/?ticket=abc").status_code == 400
    assert operator.get("/persyaratan/jawaban/tidak-ada/").status_code == 404


def test_inbox_include_renders_every_entry_with_the_suggestion_first(
    seeded, settings, django_capture_on_commit_callbacks
):
    settings.CURHAT_AUTOACK_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_ingest(message=inbound(text="mau pisah kk dari orang tua")).ticket
    html = Template("{% load knowledge %}{% knowledge_answers ticket target='#balasan' %}").render(
        Context({"ticket": ticket})
    )
    assert 'data-kb-target="#balasan"' in html
    assert html.count('class="kb-insert"') == len(REQUIRED_SLUGS)
    first = re.search(r'data-kb-slug="([^"]+)"', html).group(1)
    assert first == "kk-baru-pisah-kk"
    assert "Topik terdeteksi" in html and "saran" in html
    assert html.count('class="kb-suggested"') == 1
    assert html.count('class="kb-badge"') == KnowledgeEntry.objects.filter(unconfirmed=True).count() > 0

    # An unpublished entry is not offered, nor suggested: the panel could not insert it.
    entry = KnowledgeEntry.objects.get(slug="kk-baru-pisah-kk")
    entry.is_published = False
    with django_capture_on_commit_callbacks(execute=True):
        entry.save()  # as the admin does; the inbox's panel reads entries from the cache
    html = Template("{% load knowledge %}{% knowledge_answers ticket %}").render(Context({"ticket": ticket}))
    assert html.count('class="kb-insert"') == len(REQUIRED_SLUGS) - 1
    assert "kk-baru-pisah-kk" not in html and "kb-suggested" not in html and "saran" not in html
    assert "Topik terdeteksi" in html  # what the classifier made of the message is still shown


def test_admin_pages_of_the_knowledge_base_render(seeded, client):
    client.force_login(staff_user("admin-pages", superuser=True))
    phrase = ClassifierPhrase.objects.get(phrase="kk + *hilang*")
    for url in (
        "/admin/tickets/knowledgeentry/",
        "/admin/tickets/knowledgerevision/",
        "/admin/tickets/classifierphrase/",
        f"/admin/tickets/classifierphrase/{phrase.pk}/change/",
        "/admin/tickets/topicsuggestion/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/admin/tickets/classifierphrase/{phrase.pk}/change/").content.decode()
    assert "urutan bebas" in page  # the phrase syntax is explained where admins tune it
