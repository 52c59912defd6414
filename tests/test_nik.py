"""NIK/KK detection, validation and masking (domain.md §3), with hypothesis over arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.privacy.nik import find_numbers, is_valid_kk, is_valid_nik, mask_number, mask_numbers_in


@pytest.mark.parametrize(
    "value",
    [
        "7372014507900001",  # woman born 05-07-1990 (45 = 5 + 40), Bacukiki
        "7372031201850002",  # man born 12-01-1985, Soreang
        "3201011201850001",  # moved in from Bogor: other prefixes are valid
        "7372 0145 0790 0001",
        "7372.01.450790.0001",
    ],
)
def test_valid_niks(value):
    assert is_valid_nik(value)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("7372013201900001", "day 32 is neither a man's nor a woman's day"),
        ("7372017201900001", "day 72 is past 71"),
        ("7372011213900001", "month 13"),
        ("7372011200900001", "month 00"),
        ("7372011201900000", "serial 0000"),
        ("0072011201900001", "province 00"),
        ("737201120190001", "15 digits"),
        ("73720112019000011", "17 digits"),
    ],
)
def test_invalid_niks(value, why):
    assert not is_valid_nik(value), why


def test_kk_number():
    assert is_valid_kk("7372012003150004")  # recorded 20-03-2015
    assert not is_valid_kk("7372014503150004")  # no +40 rule on KK dates


def test_find_in_message_text():
    text = "Selamat pagi, NIK saya 7372014507900001 dan no KK 7372012003150004, nomor hp 081241110001"
    found = find_numbers(text)
    assert [(f.kind, f.value) for f in found] == [("nik", "7372014507900001"), ("kk", "7372012003150004")]
    masked = mask_numbers_in(text)
    assert "7372014507900001" not in masked and "737201******0001" in masked
    assert "737201******0004" in masked
    assert "081241110001" in masked  # phone numbers are not NIKs


def test_longer_digit_runs_are_not_niks():
    assert find_numbers("rekening 12345673720145079000019") == []


def test_mask_keeps_region_and_serial():
    assert mask_number("7372014507900001") == "737201******0001"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 .-abc\n"), max_size=80))
def test_masking_never_leaves_a_valid_number_and_never_crashes(text):
    masked = mask_numbers_in(text)
    assert find_numbers(masked) == []
    # A number written with separators ("111001.0110000001") becomes the 16 characters of its mask.
    assert len(masked) <= len(text)
