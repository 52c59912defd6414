"""The office's month names and number format; chart axes."""

from __future__ import annotations

import pytest

from reports.charts import _axis_top
from reports.office_format import MONTH_NAMES, format_count, ordered_channels, parse_month


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("JANUARI", 1),
        ("Pebruari", 2),
        ("PEB", 2),
        ("feb", 2),
        ("Maret", 3),
        ("agt.", 8),
        ("AGS", 8),
        ("AGU", 8),
        ("Sept", 9),
        ("OKT", 10),
        ("NOPEMBER", 11),
        ("Nop", 11),
        ("NOV", 11),
        ("des", 12),
        (" 7 ", 7),
        (12, 12),
    ],
)
def test_parse_month_accepts_every_spelling(text, month):
    assert parse_month(text) == month


@pytest.mark.parametrize("text", ["", "13", "0", "JANUARY?", "Mars", 0])
def test_parse_month_refuses_the_rest(text):
    with pytest.raises(ValueError):
        parse_month(text)


def test_month_names_round_trip():
    assert [parse_month(n) for n in MONTH_NAMES] == list(range(1, 13))


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "-"), (None, "-"), (5, "5"), (999, "999"), (1007, "1.007"), (2457, "2.457"), (1234567, "1.234.567")],
)
def test_format_count(n, text):
    assert format_count(n) == text


def test_channel_order_is_the_office_order_then_others():
    assert ordered_channels(set()) == ["phone", "whatsapp", "whatsapp_call", "email", "facebook", "website"]
    assert ordered_channels({"other", "sms", "whatsapp"})[-2:] == ["sms", "other"]


@pytest.mark.parametrize(
    ("value", "top"), [(0, 4), (2, 4), (3, 4), (5, 8), (9, 20), (543, 800), (2081, 4000)]
)
def test_chart_axis_is_round_and_covers_the_data(value, top):
    assert _axis_top(value) == top
