"""NIK and KK numbers (domain.md §3): finding them in text, validating, masking.

NIK, 16 digits ``PP KK CC DDMMYY SSSS``: region of first registration (province, kab/kota, kecamatan),
date of birth with DD + 40 for women, a serial from 0001. A KK number is the 6-digit region code, the
recording date DDMMYY and a 4-digit family serial. Region prefixes are not checked against Parepare
(73.72): people who moved in keep their old NIK.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# 16 digits, possibly written in groups ("7372 0145 0790 0001", "7372.01.450790.0001",
# "7372/0145/0790/0001", "7372 – 0145 – 0790 – 0001", "7372,0145,0790,0001", "7372014507\n900001": up to
# four separators between two digits), not part of a longer digit run (a phone number or an account
# number). Text is matched in a normalized view (:func:`_normalized`): NFKC, so full-width and other
# compatibility forms are ASCII; every decimal digit (Arabic-Indic ٧٣٧٢…, full-width ７３７２…) as its
# ASCII digit; invisible characters dropped; every kind of white space and control character as " ",
# every dash as "-". Masking replaces the span the number took in the original text.
_SEPARATOR_CHARS = r" .\-/_,|:"
_CANDIDATE = re.compile(rf"(?<![\d])(\d(?:[{_SEPARATOR_CHARS}]{{0,4}}\d){{15}})(?![\d])")
_SEPARATORS = re.compile(rf"[{_SEPARATOR_CHARS}]+")
# List punctuation separates numbers in ordinary text ("12-01-2020, 11-03-2021", "Rp 1,500,000"): a
# candidate split by one of these counts only in the groupings people write a NIK in.
_LIST_SEPARATORS = frozenset(",|:")
_NIK_GROUPINGS = frozenset({(1,) * 16, (4, 4, 4, 4), (6, 6, 4), (2, 2, 2, 6, 4), (4, 2, 6, 4), (8, 8)})

KIND_NIK = "nik"
KIND_KK = "kk"


@dataclass(frozen=True)
class NumberFound:
    kind: str  # "nik" or "kk"
    value: str  # 16 ASCII digits
    start: int  # the span in the text as given (not the normalized view)
    end: int


# Invisible characters that split a number without showing. Besides every format character (Unicode
# category Cf: zero-width space/joiners, word joiner, byte-order mark, soft hyphen, LRM/RLM, the bidi
# isolates and embeddings, invisible times…): the combining grapheme joiner, the Mongolian vowel
# separator, variation selectors, the combining keycap, Hangul fillers and the blank braille pattern.
ZERO_WIDTH = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e\u20e3\u3164\u115f\u1160\uffa0\u2800"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)


def _invisible(char: str, after_digit: bool) -> bool:
    if char in ZERO_WIDTH:
        return True
    category = unicodedata.category(char)
    # A combining mark on a digit (an underline, an enclosing circle) does not change it.
    return category == "Cf" or (after_digit and category in ("Mn", "Me"))


def _normalized(text: str) -> tuple[str, list[int]]:
    """``text`` as the matchers see it, and for each of its characters the index in ``text`` it came
    from (one more entry: ``len(text)``, for spans that end at the end)."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if _invisible(char, bool(chars) and chars[-1].isdigit()):
            continue
        digit = unicodedata.decimal(char, None)
        folded = str(digit) if digit is not None else unicodedata.normalize("NFKC", char)
        for piece in folded:
            if piece.isspace() or unicodedata.category(piece) == "Cc":
                piece = " "  # line/paragraph separators, NEL, VT/FF, NUL, Ogham and ideographic spaces
            elif piece == "\u2212" or unicodedata.category(piece) == "Pd":
                piece = "-"  # en/em dash, minus sign, hyphen…
            chars.append(piece)
            origin.append(index)
    origin.append(len(text))
    return "".join(chars), origin


def _written_like_a_nik(candidate: str) -> bool:
    """A candidate split by list punctuation is a NIK only in the groupings a NIK is written in."""
    if not _LIST_SEPARATORS.intersection(candidate):
        return True
    groups = tuple(len(group) for group in _SEPARATORS.split(candidate))
    return groups in _NIK_GROUPINGS


def _span(origin: list[int], start: int, end: int) -> tuple[int, int]:
    """The span in the original text of the normalized span ``start:end`` (``end`` > ``start``)."""
    return origin[start], origin[end - 1] + 1


def _sub_normalized(pattern: re.Pattern[str], text: str, replace) -> str:
    """``pattern.sub(replace, …)`` over the normalized view, the replacements put in the original
    text at the spans the matches took there (the rest of the original text unchanged; a match for
    which ``replace`` gives None is left as it was)."""
    view, origin = _normalized(text)
    out, last = [], 0
    for match in pattern.finditer(view):
        if match.end() == match.start():
            continue
        replacement = replace(match)
        if replacement is None:  # this match stays as the original text wrote it
            continue
        start, end = _span(origin, match.start(), match.end())
        out.append(text[last:start])
        out.append(replacement)
        last = end
    out.append(text[last:])
    return "".join(out)


def _valid_region(digits: str) -> bool:
    province, regency, district = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    return 11 <= province <= 99 and regency >= 1 and district >= 1


def _valid_date(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def is_valid_nik(value: str) -> bool:
    digits = _SEPARATORS.sub("", value or "")
    if not re.fullmatch(r"\d{16}", digits) or not _valid_region(digits):
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    if day > 40:  # women: day of birth + 40
        day -= 40
    elif day > 31:
        return False
    return _valid_date(day, month) and digits[12:16] != "0000"


def is_valid_kk(value: str) -> bool:
    digits = _SEPARATORS.sub("", value or "")
    if not re.fullmatch(r"\d{16}", digits) or not _valid_region(digits):
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    return _valid_date(day, month) and digits[12:16] != "0000"


def find_numbers(text: str) -> list[NumberFound]:
    """Every valid NIK or KK number in ``text``. A number valid as both (a man's NIK and a KK number
    share the shape) counts as a NIK unless the words before it say "KK"."""
    found = []
    view, origin = _normalized(text or "")
    for match in _CANDIDATE.finditer(view):
        if not _written_like_a_nik(match.group(1)):
            continue
        digits = _SEPARATORS.sub("", match.group(1))
        before = view[max(0, match.start() - 25) : match.start()].lower()
        says_kk = bool(re.search(r"\b(kk|no\.?\s*kk|nomor\s+kk|kartu\s+keluarga)\b", before))
        start, end = _span(origin, match.start(1), match.end(1))
        if says_kk and is_valid_kk(digits):
            found.append(NumberFound(KIND_KK, digits, start, end))
        elif is_valid_nik(digits):
            found.append(NumberFound(KIND_NIK, digits, start, end))
        elif is_valid_kk(digits):
            found.append(NumberFound(KIND_KK, digits, start, end))
    return found


def mask_number(digits: str) -> str:
    """7372014507900001 → 737201******0001: the region stays readable, the birth date does not."""
    return digits[:6] + "*" * 6 + digits[-4:]


def mask_numbers_in(text: str) -> str:
    """``text`` with every valid NIK/KK number masked (lists, previews, notifications, logs)."""
    if not text:
        return text
    out, last = [], 0
    for item in find_numbers(text):
        out.append(text[last : item.start])
        out.append(mask_number(item.value))
        last = item.end
    out.append(text[last:])
    return "".join(out)


_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Indonesian phone numbers as people write them: 08…, 62…, +62…, 9–14 digits, groups allowed.
# Matched in the normalized view (zero-width characters dropped, every digit ASCII), a line break
# allowed between groups.
_PHONE = re.compile(r"(?<![\d+])(?:\+?62|0)8(?:[ .\-\r\n]{0,2}\d){7,12}(?![\d])")


def mask_personal_text(text: str) -> str:
    """``text`` (a subject line, a preview) with NIK/KK numbers, e-mail addresses and mobile numbers
    masked: what lists may show of a free text the citizen wrote."""
    if not text:
        return text
    from tickets.identities import mask_email

    masked = mask_numbers_in(text)
    masked = _sub_normalized(_EMAIL, masked, lambda m: mask_email(m.group(0)))
    return _sub_normalized(_PHONE, masked, lambda m: m.group(0)[:4] + "****" + m.group(0)[-3:])


def key_fingerprint(key: str) -> str:
    """A fingerprint of a NIK hash key (tickets.NikHashKeyRecord): tells two keys apart without
    revealing either."""
    return hmac.new(key.encode(), b"curhat:nik-hash-key-fingerprint", hashlib.sha256).hexdigest()


def number_digest(digits: str, *, key: str | None = None) -> str:
    """A keyed hash to find tickets mentioning the same number without indexing the number itself.

    Keyed with ``CURHAT_NIK_HASH_KEY`` (its own key: rotating ``SECRET_KEY`` must not break search and
    erasure by NIK); ``manage.py nik_rehash`` moves the stored hashes to a new key. ``key`` is for
    that command only."""
    key = settings.CURHAT_NIK_HASH_KEY if key is None else key
    if not key:
        raise ImproperlyConfigured("CURHAT_NIK_HASH_KEY (or CURHAT_NIK_HASH_KEY_FILE) is not set")
    return hmac.new(key.encode(), f"nik:{digits}".encode(), hashlib.sha256).hexdigest()


def national_number(phone: str) -> str:
    """The digits of a mobile number without its country or trunk prefix (+62 812…, 0812… → 812…)."""
    digits = "".join(str(unicodedata.decimal(c)) for c in phone if unicodedata.decimal(c, None) is not None)
    if digits.startswith("62"):
        return digits[2:]
    return digits[1:] if digits.startswith("0") else digits


def redact_mentions(text: str, *, niks: set[str], phones: set[str], emails: set[str], marker: str) -> str:
    """``text`` with the given NIKs (16 digits), mobile numbers (:func:`national_number` form) and
    e-mail addresses (lower case) replaced by ``marker`` wherever and however they are written (the
    masker's view: groups, invisible characters, other digits); everything else as it was."""
    if not text:
        return text
    if niks:
        out, last = [], 0
        for item in find_numbers(text):
            if item.value in niks:
                out += [text[last : item.start], marker]
                last = item.end
        text = "".join([*out, text[last:]])
    if emails:
        text = _sub_normalized(_EMAIL, text, lambda m: marker if m.group(0).lower() in emails else None)
    if phones:
        text = _sub_normalized(
            _PHONE, text, lambda m: marker if national_number(m.group(0)) in phones else None
        )
    return text
