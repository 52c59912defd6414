"""How the privacy masker reads digits in text (tickets.privacy.nik): a normalized view of the text
(NFKC, every decimal digit as ASCII, invisible characters dropped) mapped back to the original, read as
chains of digit groups joined by short gaps, with the groupings a NIK is written in and the dates and
times that must stay readable. The NIK/KK and phone finders in tickets.privacy.nik build on it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# 16 digits, possibly written in groups. Text is matched in a normalized view (:func:`_normalized`):
# NFKC, so full-width and other compatibility forms are ASCII; every decimal digit (Arabic-Indic ٧٣٧٢…,
# full-width ７３７２…) as its ASCII digit; invisible characters dropped; every kind of white space and
# control character as " ", every dash as "-". Masking replaces the span the number took in the original
# text.
#
# The view is read as chains of digit groups (maximal digit runs) joined by gaps: a gap is a short run
# of characters that are neither letters nor digits (any punctuation or symbol, parentheses, white space
# of any length counting as one). A window of consecutive groups of a chain with 16 digits in all is a
# candidate; it counts when
# - every gap in it is light (up to four of `` .-/_``: "7372 0145 0790 0001", "7372014507\n900001",
#   "7372.01.450790.0001"), in any grouping, unless its groups read as a date or a time of day
#   ("15/03/2026 08.00-12.00") and the grouping is not one a NIK is written in; or
# - its grouping is one a NIK is written in (:data:`_NIK_GROUPINGS`), whatever the gaps:
#   "7372;0145;0790;0001", "(7372) 0145-0790-0001", "7372     0145…", "7372、0145…", list punctuation
#   ("12-01-2020, 11-03-2021" is 2-2-4-2-2-4: two dates, not a NIK).
_SEPARATOR_CHARS = r" .\-/_,|:"
_SEPARATORS = re.compile(rf"[{_SEPARATOR_CHARS}]+")
_LIGHT_GAP = re.compile(r"[ .\-/_]{1,4}")
_GAP_UNITS = 4  # at most this many characters in a gap, a run of white space counting as one
_GAP_WHITESPACE = 24  # and no run of white space longer than this (a blank paragraph ends the chain)
_NIK_GROUPINGS = frozenset(
    {
        (16,),
        (1,) * 16,
        (4, 4, 4, 4),
        (6, 6, 4),
        (6, 10),
        (2, 2, 2, 6, 4),
        (2, 2, 2, 2, 2, 2, 4),
        (4, 2, 6, 4),
        (4, 2, 2, 2, 2, 4),
        (6, 2, 2, 2, 4),
        (8, 8),
        (4, 12),
        (12, 4),
    }
)

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


@dataclass(frozen=True)
class _Group:
    digits: str
    start: int  # in the normalized view
    end: int
    gap: str  # the gap before this group ("" for the first group of a chain)


def _gap_joins(gap: str, origins: list[int]) -> bool:
    """Whether ``gap`` (the text between two digit runs; ``origins``: where each of its characters
    came from in the original text) joins them into one chain."""
    if not gap:
        return False
    units, run, last_origin = 0, 0, -1
    for char, where in zip(gap, origins, strict=True):
        if char == " ":
            run += 1
            if run > _GAP_WHITESPACE:
                return False
            units += run == 1
        else:
            run = 0
            kind = unicodedata.category(char)[0]
            if kind in "LN":
                return False  # a letter (or a number form) ends the number
            # A combining mark (NFKC's spacing accents: " ̈") decorates a symbol; one character of
            # the original text counts once ("…" is "..." in the view).
            units += kind != "M" and where != last_origin
            last_origin = where
        if units > _GAP_UNITS:
            return False
    return True


_DIGIT_RUN = re.compile(r"\d+")


def _chains(view: str, origin: list[int]) -> list[list[_Group]]:
    """The chains of digit groups in the normalized ``view`` (``origin``: :func:`_normalized`'s)."""
    chains: list[list[_Group]] = []
    last_end = None
    for match in _DIGIT_RUN.finditer(view):
        gap = view[last_end : match.start()] if last_end is not None else ""
        if chains and _gap_joins(gap, origin[last_end : match.start()]):
            chains[-1].append(_Group(match.group(0), match.start(), match.end(), gap))
        else:
            chains.append([_Group(match.group(0), match.start(), match.end(), "")])
        last_end = match.end()
    return chains


def _outer_gap(chain: list[_Group], index: int) -> str:
    """The gap before ``chain[index]`` ("" at the chain's start and past its end)."""
    return chain[index].gap if 0 <= index < len(chain) else ""


def _dates_and_times(chain: list[_Group]) -> frozenset[int]:
    """The indexes of the groups of ``chain`` that read as a date with its year (15/03/2026,
    15-3-2026, 2026-03-15) or a time of day (08.00, 13:30): groups joined by one separator that the
    groups around do not continue ("73.72.01.45.07.90.0001" has no time in it)."""
    found: set[int] = set()
    for i in range(len(chain) - 1):  # a time: H.MM or HH:MM
        hours, minutes, gap = chain[i].digits, chain[i + 1].digits, chain[i + 1].gap
        if (
            gap in (".", ":")
            and len(hours) <= 2
            and len(minutes) == 2
            and int(hours) <= 24
            and int(minutes) <= 59
            and _outer_gap(chain, i) != gap
            and _outer_gap(chain, i + 2) != gap
        ):
            found |= {i, i + 1}
    for i in range(len(chain) - 2):  # a date: D/M/YYYY, D-M-YYYY, D.M.YYYY or YYYY-M-D
        one, two, three = chain[i].digits, chain[i + 1].digits, chain[i + 2].digits
        gap = chain[i + 1].gap
        if gap not in ("/", "-", ".") or chain[i + 2].gap != gap:
            continue
        if _outer_gap(chain, i) == gap or _outer_gap(chain, i + 3) == gap:
            continue
        if len(three) == 4 and len(one) <= 2 and len(two) <= 2:
            day, month, year = int(one), int(two), int(three)
        elif len(one) == 4 and len(two) <= 2 and len(three) <= 2:
            day, month, year = int(three), int(two), int(one)
        else:
            continue
        if 1900 <= year <= 2100 and _valid_date(day, month):
            found |= {i, i + 1, i + 2}
    return frozenset(found)


def _light(chain: list[_Group], first: int, last: int) -> bool:
    return all(_LIGHT_GAP.fullmatch(group.gap) for group in chain[first + 1 : last + 1])


def _written_like_a_nik(chain: list[_Group], first: int, last: int) -> bool:
    """Whether groups ``first..last`` of ``chain`` (16 digits, none of them part of a date or a time)
    are written as a NIK is: in one of its groupings, or in any grouping with light gaps."""
    grouping = tuple(len(group.digits) for group in chain[first : last + 1])
    return grouping in _NIK_GROUPINGS or _light(chain, first, last)


def _windows(chain: list[_Group], digits: int):
    """``(first, last)`` for every run of consecutive groups of ``chain`` with ``digits`` digits."""
    for first in range(len(chain)):
        total = 0
        for last in range(first, len(chain)):
            total += len(chain[last].digits)
            if total >= digits:
                if total == digits:
                    yield first, last
                break


def _opening(view: str, chain: list[_Group], first: int, last: int, start: int) -> int:
    """``start`` moved back over an opening parenthesis that the window closes ("(0812) 3456…")."""
    if (
        start > 0
        and view[start - 1] in "(["
        and any(")" in g.gap or "]" in g.gap for g in chain[first + 1 : last + 1])
    ):
        return start - 1
    return start


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


def _valid_date(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31
