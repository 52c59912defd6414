"""Is a citizen's message only a thank-you or sign-off ("Terima kasih, besok saya ke kantor.", "ok
makasih", "siap pak")? Such a message, arriving shortly after the office closed the ticket, belongs
to that ticket: it is shown in its timeline and opens no new consultation (no new ticket, no
automatic acknowledgement). Anything else opens a new ticket as usual.

The rule, deliberately small and explicit so an operator can predict it:

1. the text is at most ``CURHAT_CLOSING_MAX_CHARS`` characters long (default 60) and not empty;
2. it has no question mark and no digit (a digit is a date, a duration, a number: "sudah 2 minggu");
3. it contains one of ``CLOSING_PHRASES`` (as whole words: "ok" matches "ok" and "oke", never "okt");
4. it contains none of ``QUESTION_WORDS`` (a question written without "?": "gimana syarat KK") and
   none of ``COMPLAINT_WORDS`` ("belum jadi juga", "lama", "kecewa", "kok"): a complaint that ends
   in "terima kasih" is a complaint (issue 16: "Kenapa KK saya belum jadi juga, sudah 2 minggu.
   terima kasih" was filed silently on the closed ticket), and none of ``SERVICE_WORDS``: a
   document (KK, KTP, KIA, akta, surat pindah) or a life event or need ("meninggal", "lahir",
   "pindah", "dicuri", "robek", "perlu", "ubah", "hamil", "pisah") is a new consultation ("Terima
   kasih, suami saya meninggal" opens a new ticket); a single service word matches its affixed
   forms too (common Indonesian prefixes me-/mem-/men-/meng-/ber-/di-/ke-/pe-/ter- and suffixes
   -an/-kan/-nya/-i taken off: "ubah" matches "berubah", "mengubah"; "bakar" "kebakaran");
5. it is mostly thanks: besides the closing phrases and ``COURTESY_WORDS`` (forms of address,
   "ya", "banyak"), at most ``CURHAT_CLOSING_MAX_OTHER_WORDS`` words remain (default 4: "Terima
   kasih, besok saya ke kantor." leaves "besok saya ke kantor").

The word lists can be replaced from the settings (``CURHAT_CLOSING_PHRASES``,
``CURHAT_CLOSING_QUESTION_WORDS``, ``CURHAT_CLOSING_COMPLAINT_WORDS``, ``CURHAT_CLOSING_SERVICE_WORDS``,
``CURHAT_CLOSING_COURTESY_WORDS``);
``CURHAT_CLOSED_GRACE_HOURS`` (default 24, 0 switches the rule off) says how long after closing a
message counts. A message that joins a closed ticket makes it unread again and shows it in the
inbox's default view, marked "Pesan setelah ditutup", for the same grace period
(tickets/inbox/selectors/listing.py).
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings

# Thank-yous, acknowledgements and sign-offs as citizens of Parepare write them (lower case; a
# phrase of several words matches with any spacing or punctuation between them).
CLOSING_PHRASES: tuple[str, ...] = (
    "terima kasih",
    "terimakasih",
    "trima kasih",
    "makasih",
    "makasi",
    "mksh",
    "mks",
    "trims",
    "tks",
    "thx",
    "thanks",
    "thank you",
    "tq",
    "ok",
    "oke",
    "okay",
    "okey",
    "okok",
    "siap",
    "sip",
    "baik",
    "baiklah",
    "noted",
    "mantap",
    "alhamdulillah",
    "sama sama",
    "👍",
    "🙏",
)
# Words that make a short message a question or a new request, even without a question mark
# ("ok, satu lagi", "siap, saya mau urus akta").
QUESTION_WORDS: tuple[str, ...] = (
    "apa",
    "apakah",
    "bagaimana",
    "gimana",
    "bgmn",
    "kapan",
    "berapa",
    "brp",
    "dimana",
    "di mana",
    "mana",
    "kenapa",
    "mengapa",
    "bisakah",
    "bisa",
    "boleh",
    "tanya",
    "nanya",
    "mohon",
    "tolong",
    "minta",
    "belum",
    "syarat",
    "persyaratan",
    "mau",
    "ingin",
    "urus",
    "mengurus",
    "bikin",
    "buat",
    "daftar",
    "hilang",
    "rusak",
    "lagi",
    "tapi",
    "tetapi",
    "namun",
)
# Words of a complaint or a problem: the citizen is not done, whatever the "terima kasih" after them.
COMPLAINT_WORDS: tuple[str, ...] = (
    "belum",
    "blm",
    "tidak",
    "tdk",
    "gak",
    "nggak",
    "ngga",
    "enggak",
    "ga",
    "kok",
    "masih",
    "lama",
    "lambat",
    "kecewa",
    "parah",
    "payah",
    "susah",
    "sulit",
    "salah",
    "keliru",
    "ditolak",
    "gagal",
    "error",
    "eror",
    "komplain",
    "keluhan",
    "lapor",
    "minggu",
    "bulan",
    "hari",
    "katanya",
    "janji",
)
# Documents the office issues and life events or needs that bring a citizen to it: any of them after
# a thank-you is a new consultation ("Terima kasih, anak saya lahir kemarin", "ok. KK saya robek").
SERVICE_WORDS: tuple[str, ...] = (
    # documents
    "kk",
    "kartu keluarga",
    "ktp",
    "ektp",
    "e ktp",
    "kia",
    "akta",
    "akte",
    "surat pindah",
    "skpwni",
    "nik",
    "dokumen",
    "suket",
    "surat keterangan",
    # life events
    "meninggal",
    "wafat",
    "kematian",
    "lahir",
    "melahirkan",
    "kelahiran",
    "pindah",
    "pindahan",
    "nikah",
    "menikah",
    "pernikahan",
    "kawin",
    "perkawinan",
    "cerai",
    "bercerai",
    "perceraian",
    "hilang",
    "dicuri",
    "kecurian",
    "rusak",
    "robek",
    "sobek",
    "basah",
    "terbakar",
    "ganda",
    "salah",
    "ubah",
    "perubahan",
    "ganti",
    "diganti",
    "pergantian",
    "hapus",
    # (issue 16, re-test N1) data that changes and events that bring a citizen to the office; the
    # roots match their affixed forms too ("berubah", "mengubah", "kebakaran", "lahiran", "mengadopsi")
    "ubah",
    "alamat",
    "nama",
    "agama",
    "almarhum",
    "almarhumah",
    "alm",
    "wafat",
    "tiada",
    "mati",
    "hamil",
    "bakar",
    "banjir",
    "bencana",
    "pisah",
    "adopsi",
    "janda",
    "duda",
    "yatim",
    "piatu",
    "patah",
    "retak",
    "pudar",
    "luntur",
    # needs and requests
    "perlu",
    "butuh",
    "mau",
    "ingin",
    "pengen",
    "bisa",
    "tolong",
    "mohon",
    "minta",
    "urus",
    "cetak",
    "daftar",
)
# Words that go with a thank-you without adding anything to it (forms of address, fillers).
COURTESY_WORDS: tuple[str, ...] = (
    "pak",
    "bapak",
    "bu",
    "ibu",
    "kak",
    "kakak",
    "min",
    "admin",
    "mas",
    "mbak",
    "dik",
    "ya",
    "yah",
    "yaa",
    "nya",
    "banyak",
    "bnyk",
    "sekali",
    "atas",
    "infonya",
    "informasinya",
    "bantuannya",
    "semua",
    "sudah",
    "sdh",
)
DEFAULT_MAX_CHARS = 60
DEFAULT_MAX_OTHER_WORDS = 4


def _normalize(text: str) -> str:
    """Lower case, compatibility-folded, punctuation as spaces (emoji kept), single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(ch).startswith(("P", "Z", "C")) else ch for ch in text)
    return " ".join(text.split())


def _contains(normalized: str, phrase: str) -> bool:
    words = _normalize(phrase).split()
    if not words:
        return False
    if len(words) == 1 and not words[0].isalnum():  # an emoji: anywhere
        return words[0] in normalized
    pattern = r"(?<!\w)" + r"\s*".join(re.escape(word) for word in words) + r"(?!\w)"
    return re.search(pattern, normalized) is not None


# Indonesian affixes taken off a word to find its root, so that a root in a word list matches its
# affixed forms ("ubah": "berubah", "mengubah", "perubahan", "diubahnya"; "bakar": "kebakaran").
_PREFIXES = (
    "memper",
    "diper",
    "meng",
    "meny",
    "mem",
    "men",
    "me",
    "ber",
    "be",
    "per",
    "pe",
    "peng",
    "pen",
    "pem",
    "di",
    "ke",
    "ter",
    "se",
)
_SUFFIXES = ("nya", "kan", "an", "lah", "kah", "i")
# A nasal prefix replaces the root's first letter: "menulis" is "tulis", "memakai" "pakai", "menyurat" "surat".
_NASAL = {"meng": "k", "peng": "k", "men": "t", "pen": "t", "mem": "p", "pem": "p", "meny": "s"}
_MIN_ROOT = 4  # a shorter "root" is chance ("besok" is not "be-sok")


def _word_forms(word: str) -> set[str]:
    """The word and the roots it can be read as, once common Indonesian affixes are taken off."""
    forms = {word}
    if not word.isalpha():
        return forms
    heads = {word}
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _MIN_ROOT - 1:
            rest = word[len(prefix) :]
            heads.add(rest)
            if prefix in _NASAL:
                heads.add(_NASAL[prefix] + rest)
    for head in heads:
        forms.add(head)
        for suffix in _SUFFIXES:
            if head.endswith(suffix):
                forms.add(head[: -len(suffix)])
                for second in ("nya", "kan", "an"):  # "kebakarannya", "perubahannya"
                    stem = head[: -len(suffix)]
                    if suffix == "nya" and stem.endswith(second):
                        forms.add(stem[: -len(second)])
    return {form for form in forms if form == word or len(form) >= _MIN_ROOT}


def _mentions(normalized: str, words) -> bool:
    """Whether the text has one of ``words``: a phrase of several words as it is, a single word also
    in an affixed form (its root in the text after taking the affixes off)."""
    singles = set()
    for entry in words:
        parts = _normalize(entry).split()
        if len(parts) == 1 and parts[0].isalpha():
            singles.add(parts[0])
        elif _contains(normalized, entry):
            return True
    return any(_word_forms(word) & singles for word in normalized.split())


def _without(normalized: str, phrase: str) -> str:
    words = _normalize(phrase).split()
    if not words:
        return normalized
    if len(words) == 1 and not words[0].isalnum():
        return normalized.replace(words[0], " ")
    pattern = r"(?<!\w)" + r"\s*".join(re.escape(word) for word in words) + r"(?!\w)"
    return re.sub(pattern, " ", normalized)


def _setting(name: str, default):
    value = getattr(settings, name, None)
    return default if value is None else value


def is_closing_message(text: str) -> bool:
    """True when ``text`` is only a thank-you or sign-off by the rule above."""
    stripped = (text or "").strip()
    max_chars = _setting("CURHAT_CLOSING_MAX_CHARS", DEFAULT_MAX_CHARS)
    if not stripped or len(stripped) > max_chars or "?" in stripped or "？" in stripped:
        return False
    if any(ch.isdigit() for ch in stripped):
        return False
    normalized = _normalize(stripped)
    phrases = _setting("CURHAT_CLOSING_PHRASES", None) or CLOSING_PHRASES
    questions = _setting("CURHAT_CLOSING_QUESTION_WORDS", None) or QUESTION_WORDS
    complaints = _setting("CURHAT_CLOSING_COMPLAINT_WORDS", COMPLAINT_WORDS)
    services = _setting("CURHAT_CLOSING_SERVICE_WORDS", SERVICE_WORDS)
    if any(_contains(normalized, word) for word in (*questions, *complaints)):
        return False
    if _mentions(normalized, services):  # a document or a life event, in any affixed form
        return False
    if not any(_contains(normalized, phrase) for phrase in phrases):
        return False
    # Mostly thanks: what is left once the thanks and the courtesies are taken out is short.
    rest = normalized
    courtesy = _setting("CURHAT_CLOSING_COURTESY_WORDS", COURTESY_WORDS)
    for phrase in sorted((*phrases, *courtesy), key=len, reverse=True):  # "terima kasih" before "ok"
        rest = _without(rest, phrase)
    return len(rest.split()) <= _setting("CURHAT_CLOSING_MAX_OTHER_WORDS", DEFAULT_MAX_OTHER_WORDS)
