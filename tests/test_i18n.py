"""The UI is in Bahasa Indonesia by default and fully available in English through Django i18n.

The English catalog lives in locale/en/LC_MESSAGES (django.po, compiled to django.mo by
compilemessages, which scripts/test runs before the suite).
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field

import pytest
from django.utils import translation

from tickets.models import Ticket

from .support import ROOT

PO_PATH = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

INDONESIAN_HEADING = "Masuk petugas"
ENGLISH_HEADING = "Staff sign-in"

pytestmark = pytest.mark.django_db


@dataclass
class PoEntry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$")


def parse_po(text: str) -> list[PoEntry]:
    """A small .po reader (no extra dependency): entries with their plural forms and flags.

    Obsolete entries (``#~``) are skipped; the header (empty msgid) is included."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    target: tuple[str, int | None] | None = None
    pending_flags: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"line {number}: stray string"
            _append(current, target, ast.literal_eval(line))
            continue
        match = _KEYWORD.match(line)
        assert match, f"line {number}: cannot parse {raw!r}"
        keyword, index, literal = match.groups()
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstr):
            current = PoEntry(flags=pending_flags, line=number)
            pending_flags = set()
            entries.append(current)
        assert current is not None
        if keyword == "msgctxt":
            current.msgctxt = ""
            target = ("msgctxt", None)
        elif keyword == "msgid":
            target = ("msgid", None)
        elif keyword == "msgid_plural":
            current.msgid_plural = ""
            target = ("msgid_plural", None)
        else:
            slot = int(index) if index is not None else 0
            current.msgstr.setdefault(slot, "")
            target = ("msgstr", slot)
        _append(current, target, ast.literal_eval(literal))
    return entries


def _append(entry: PoEntry, target: tuple[str, int | None], value: str) -> None:
    kind, slot = target
    if kind == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + value
    elif kind == "msgid":
        entry.msgid += value
    elif kind == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + value
    elif kind == "msgstr":
        assert slot is not None
        entry.msgstr[slot] += value


@pytest.fixture(scope="module")
def catalog() -> list[PoEntry]:
    assert PO_PATH.exists(), "run makemessages -l en (see the README) to create the English catalog"
    return [e for e in parse_po(PO_PATH.read_text(encoding="utf-8")) if e.msgid]


def test_login_page_is_indonesian_by_default(client):
    # Django's test client sends no Accept-Language header and no language cookie.
    response = client.get("/masuk/")
    assert response.status_code == 200
    html = response.content.decode()
    assert INDONESIAN_HEADING in html
    assert ENGLISH_HEADING not in html
    assert '<html lang="id">' in html


def test_choosing_english_through_set_language_translates_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/masuk/"

    html = client.get("/masuk/").content.decode()
    assert ENGLISH_HEADING in html
    assert INDONESIAN_HEADING not in html
    assert "Username" in html and "Password" in html
    assert '<html lang="en">' in html

    # And back: the choice is the visitor's, not a switch for everyone.
    client.post("/i18n/setlang/", {"language": "id", "next": "/masuk/"})
    assert INDONESIAN_HEADING in client.get("/masuk/").content.decode()


def test_an_english_browser_still_gets_bahasa_indonesia_until_the_user_switches(client):
    # The office's UI language is Bahasa Indonesia; English is a choice (language switch), not a
    # consequence of how a browser happens to be set up.
    html = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert INDONESIAN_HEADING in html and ENGLISH_HEADING not in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/masuk/"}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert ENGLISH_HEADING in client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()


def test_every_page_offers_the_language_switch(client):
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html and 'value="en"' in html


def test_unsupported_browser_language_falls_back_to_indonesian(client):
    html = client.get("/masuk/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert INDONESIAN_HEADING in html


def test_model_choice_labels_follow_the_active_language():
    label = Ticket.Status.WAITING_OFFICIAL.label
    assert str(label) == "Menunggu pejabat"
    with translation.override("en"):
        assert str(label) == "Waiting for official"
        assert str(Ticket.Status.RESOLVED.label) == "Resolved"
    with translation.override("id"):
        assert str(label) == "Menunggu pejabat"


def test_plural_forms_are_translated():
    with translation.override("en"):
        one = translation.ngettext("%(n)s tiket", "%(n)s tiket", 1) % {"n": 1}
        many = translation.ngettext("%(n)s tiket", "%(n)s tiket", 3) % {"n": 3}
    assert (one, many) == ("1 ticket", "3 tickets")


def test_every_message_in_the_catalog_is_translated(catalog):
    assert len(catalog) > 100, "the catalog looks empty: was makemessages run with the right ignores?"
    untranslated = []
    for entry in catalog:
        expected_forms = {0, 1} if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected_forms or not all(entry.msgstr.values()):
            untranslated.append(f"line {entry.line}: {entry.msgid!r}")
    assert not untranslated, "untranslated messages:\n" + "\n".join(untranslated)


def test_no_translation_is_left_fuzzy(catalog):
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in catalog if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy translations are ignored by compilemessages:\n" + "\n".join(fuzzy)


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


def test_translations_keep_placeholders_and_line_breaks(catalog):
    broken = []
    for entry in catalog:
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        wanted = sorted(_PLACEHOLDER.findall(sources[-1]))
        for text in entry.msgstr.values():
            if sorted(_PLACEHOLDER.findall(text)) != wanted or text.count("\n") != sources[0].count("\n"):
                broken.append(f"line {entry.line}: {entry.msgid!r} -> {text!r}")
    assert not broken, "placeholders or line breaks differ:\n" + "\n".join(broken)


def test_compiled_catalog_matches_the_po_file(catalog):
    assert MO_PATH.exists(), "run compilemessages to build django.mo"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalog:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                found = compiled.gettext(entry.msgid)
            else:
                found = compiled.pgettext(entry.msgctxt, entry.msgid)
            if found != entry.msgstr[0]:
                stale.append(entry.msgid)
            continue
        for n, slot in ((1, 0), (2, 1)):
            if entry.msgctxt is None:
                found = compiled.ngettext(entry.msgid, entry.msgid_plural, n)
            else:
                found = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
            if found != entry.msgstr[slot]:
                stale.append(entry.msgid)
    assert not stale, "django.mo is older than django.po; run compilemessages:\n" + "\n".join(stale)
