"""Is a citizen's message only a thank-you or sign-off ("Terima kasih, besok saya ke kantor.", "ok
makasih", "siap pak")? Such a message, arriving shortly after the office closed the ticket, belongs
to that ticket: it is shown in its timeline and opens no new consultation (no new ticket, no
automatic acknowledgement). Anything else opens a new ticket as usual.

The rule, deliberately small and explicit so an operator can predict it:

1. the text is at most ``CURHAT_CLOSING_MAX_CHARS`` characters long (default 80) and not empty;
2. it has no question mark;
3. it contains one of ``CLOSING_PHRASES`` (as whole words: "ok" matches "ok" and "oke", never "okt");
4. it contains none of ``QUESTION_WORDS`` (a question written without "?": "gimana syarat KK").

Both word lists can be replaced from the settings (``CURHAT_CLOSING_PHRASES``,
``CURHAT_CLOSING_QUESTION_WORDS``); ``CURHAT_CLOSED_GRACE_HOURS`` (default 24, 0 switches the rule
off) says how long after closing a message counts.
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
DEFAULT_MAX_CHARS = 80


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


def is_closing_message(text: str) -> bool:
    """True when ``text`` is only a thank-you or sign-off by the rule above."""
    stripped = (text or "").strip()
    max_chars = getattr(settings, "CURHAT_CLOSING_MAX_CHARS", DEFAULT_MAX_CHARS)
    if not stripped or len(stripped) > max_chars or "?" in stripped or "？" in stripped:
        return False
    normalized = _normalize(stripped)
    phrases = getattr(settings, "CURHAT_CLOSING_PHRASES", None) or CLOSING_PHRASES
    questions = getattr(settings, "CURHAT_CLOSING_QUESTION_WORDS", None) or QUESTION_WORDS
    if any(_contains(normalized, word) for word in questions):
        return False
    return any(_contains(normalized, phrase) for phrase in phrases)
