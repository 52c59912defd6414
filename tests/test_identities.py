"""Phone and e-mail normalization (domain.md §4), with hypothesis over the spellings citizens use."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.identities import (
    is_mobile,
    mask_email,
    mask_phone,
    normalize_email,
    normalize_phone,
    whatsapp_id,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0811-415-227", "+62811415227"),
        ("62811415227", "+62811415227"),
        ("+62 811 415 227", "+62811415227"),
        ("whatsapp:+62811415227", "+62811415227"),
        ("811415227", "+62811415227"),
        ("0811-8005-373", "+628118005373"),
        ("(0421) 21234", "+6242121234"),  # Parepare landline, area code 0421
        ("+1 650 555 1234", "+16505551234"),
        ("16505551234", "+16505551234"),  # WhatsApp ids are bare digits with the country code
    ],
)
def test_known_spellings(raw, e164):
    assert normalize_phone(raw) == e164


def test_whatsapp_id_is_e164_without_plus():
    assert whatsapp_id(normalize_phone("0811-415-227")) == "62811415227"


@pytest.mark.parametrize(
    "raw", ["", "   ", "abc", "12", "+62", "0", "08abc1234567", "+62 811 415 227 999 999 999"]
)
def test_unparseable_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


mobile_subscriber = st.from_regex(r"8[1-35-9][0-9]{7,9}", fullmatch=True)
separator = st.sampled_from(["", " ", "-", ".", "  "])


def _spell(digits: str, sep: str, prefix: str) -> str:
    groups = [digits[:3], digits[3:7], digits[7:]]
    return prefix + sep.join(g for g in groups if g)


@settings(max_examples=300, deadline=None)
@given(
    subscriber=mobile_subscriber,
    sep=separator,
    prefix=st.sampled_from(["0", "62", "+62", "+62 ", "whatsapp:+62", ""]),
)
def test_every_spelling_of_a_mobile_gives_the_same_e164(subscriber, sep, prefix):
    spelled = _spell(subscriber, sep, prefix)
    assert normalize_phone(spelled) == "+62" + subscriber


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes(raw):
    try:
        value = normalize_phone(raw)
    except ValidationError:
        return
    assert value.startswith("+") and value[1:].isdigit()
    assert normalize_phone(value) == value  # idempotent


@settings(max_examples=200, deadline=None)
@given(st.emails())
def test_email_normalization_is_idempotent_and_lower_case(address):
    try:
        value = normalize_email(address)
    except ValidationError:
        return  # hypothesis' RFC addresses include forms Django's validator refuses; that is a clear error
    assert value == value.lower() and normalize_email(value) == value


def test_masking_hides_the_middle():
    assert mask_phone("+62811415227") == "+62811***227"
    assert mask_email("warga.parepare@example.com") == "wa***@example.com"


def test_mobile_and_landline():
    assert is_mobile("+62811415227")
    assert not is_mobile("+6242121234")
