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

from tickets.privacy.digitgroups import (  # the reading of digit groups, shared with the phone finder below
    _SEPARATORS,
    _chains,
    _dates_and_times,
    _Group,
    _light,
    _normalized,
    _opening,
    _span,
    _sub_normalized,
    _valid_date,
    _windows,
    _written_like_a_nik,
)

KIND_NIK = "nik"
KIND_KK = "kk"


@dataclass(frozen=True)
class NumberFound:
    kind: str  # "nik" or "kk"
    value: str  # 16 ASCII digits
    start: int  # the span in the text as given (not the normalized view)
    end: int


def _valid_region(digits: str) -> bool:
    province, regency, district = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    return 11 <= province <= 99 and regency >= 1 and district >= 1


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
    for chain in _chains(view, origin):
        # Windows may overlap: digits before a NIK can make a valid number with its first groups
        # ("3201 0112 0185 7372 0145 0790 0001"), and the NIK after must be found all the same.
        dates = _dates_and_times(chain)
        for first, last in _windows(chain, 16):
            if dates.intersection(range(first, last + 1)):
                continue
            if not _written_like_a_nik(chain, first, last):
                continue
            digits = "".join(group.digits for group in chain[first : last + 1])
            begin = _opening(view, chain, first, last, chain[first].start)
            before = view[max(0, begin - 25) : begin].lower()
            says_kk = bool(re.search(r"\b(kk|no\.?\s*kk|nomor\s+kk|kartu\s+keluarga)\b", before))
            start, end = _span(origin, begin, chain[last].end)
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
        if item.start >= last:
            out += [text[last : item.start], mask_number(item.value)]
        elif item.end > last:  # overlaps the number before: its digits past that one are hidden
            out.append(
                "".join("*" if unicodedata.decimal(c, None) is not None else c for c in text[last : item.end])
            )
        else:
            continue
        last = item.end
    out.append(text[last:])
    return "".join(out)


_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Indonesian mobile numbers as people (and WhatsApp) write them: 08…, 62…, +62… and 8 to 13 digits after
# the prefix, read in the chains of digit groups the NIK finder reads (:func:`_chains`): "0812-3456-7890",
# "+62 812-5550-0301", "62 812 3456 7890", "(0812) 3456-7890", "0812/3456/7890", "0812 - 3456 - 7890",
# "0812\n3456 7890". With light gaps any grouping counts, unless the groups read as a date or a time
# ("08/12/2025 10.00"); with other gaps (parentheses, other punctuation) the groups after the prefix
# have three digits or more.
_NATIONAL_LENGTHS = range(8, 14)


@dataclass(frozen=True)
class _Phone:
    national: str  # the digits after the prefix (:func:`national_number` form)
    digits: str  # every digit as written (08…, 628…)
    plus: bool  # written with "+"
    start: int  # the span in the normalized view
    end: int


def _phone_window(view: str, chain: list[_Group], first: int, last: int, dates) -> _Phone | None:
    digits = "".join(group.digits for group in chain[first : last + 1])
    if digits.startswith("08"):
        national = digits[1:]
    elif digits.startswith("628"):
        national = digits[2:]
    elif digits.startswith("6208"):  # "+62 (0)812-…"
        national = digits[3:]
    else:
        return None
    if len(national) not in _NATIONAL_LENGTHS:
        return None
    if dates.intersection(range(first, last + 1)):
        return None
    if not _light(chain, first, last):
        groups = [group.digits for group in chain[first : last + 1]]
        while groups and groups[0] in ("0", "62"):
            groups = groups[1:]
        if any(len(group) < 3 for group in groups):
            return None
    start = _opening(view, chain, first, last, chain[first].start)
    plus = start > 0 and view[start - 1] == "+"
    return _Phone(national, digits, plus, start - plus, chain[last].end)


def _phones(view: str, origin: list[int], wanted=None) -> list[_Phone]:
    """The mobile numbers in the normalized ``view``, not overlapping, the longest reading of each;
    with ``wanted`` (national numbers) only those, in the reading that gives one of them."""
    found: list[_Phone] = []
    for chain in _chains(view, origin):
        taken = -1
        dates = _dates_and_times(chain)
        for first in range(len(chain)):
            if first <= taken:
                continue
            best, length = None, 0
            for last in range(first, len(chain)):
                length += len(chain[last].digits)
                if length > 2 + _NATIONAL_LENGTHS[-1]:
                    break
                phone = _phone_window(view, chain, first, last, dates)
                if phone is not None and (wanted is None or phone.national in wanted):
                    best = (last, phone)
            if best is not None:
                taken, phone = best
                found.append(phone)
    return found


def _sub_phones(text: str, replace, wanted=None) -> str:
    """``text`` with each mobile number (:func:`_phones`) replaced by ``replace(phone)`` where it was
    written in the original text."""
    view, origin = _normalized(text)
    out, last = [], 0
    for phone in _phones(view, origin, wanted):
        start, end = _span(origin, phone.start, phone.end)
        out += [text[last:start], replace(phone)]
        last = end
    out.append(text[last:])
    return "".join(out)


def _mask_phone(phone: _Phone) -> str:
    """+6281234567890 → +628****890, 0812-3456-7890 → 0812****890."""
    return ("+" + phone.digits[:3] if phone.plus else phone.digits[:4]) + "****" + phone.digits[-3:]


def mask_personal_text(text: str) -> str:
    """``text`` (a subject line, a preview) with NIK/KK numbers, e-mail addresses and mobile numbers
    masked: what lists may show of a free text the citizen wrote."""
    if not text:
        return text
    from tickets.identities import mask_email

    masked = mask_numbers_in(text)
    masked = _sub_normalized(_EMAIL, masked, lambda m: mask_email(m.group(0)))
    return _sub_phones(masked, _mask_phone)


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
        digits = digits[2:]  # and a trunk 0 after it: "+62 (0)812…"
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
            if item.value not in niks or item.end <= last:
                continue
            if item.start >= last:
                out += [text[last : item.start], marker]
            last = item.end  # (one overlapping the number before: the marker stands for both)
        text = "".join([*out, text[last:]])
    if emails:
        text = _sub_normalized(_EMAIL, text, lambda m: marker if m.group(0).lower() in emails else None)
    if phones:
        text = _sub_phones(text, lambda phone: marker, wanted=phones)
    return text
