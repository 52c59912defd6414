"""The office's way of printing a tally: month names, number format, column order and labels."""

from __future__ import annotations

from tickets.models import Channel

MONTH_NAMES = (
    "JANUARI",
    "FEBRUARI",
    "MARET",
    "APRIL",
    "MEI",
    "JUNI",
    "JULI",
    "AGUSTUS",
    "SEPTEMBER",
    "OKTOBER",
    "NOVEMBER",
    "DESEMBER",
)

# Every spelling seen in the office's and other Dukcapil tables (domain.md §6), upper-cased.
_MONTH_SPELLINGS: dict[str, int] = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
_MONTH_SPELLINGS.update(
    {
        "PEBRUARI": 2,
        "NOPEMBER": 11,
        "JAN": 1,
        "FEB": 2,
        "PEB": 2,
        "MAR": 3,
        "APR": 4,
        "MEI": 5,
        "JUN": 6,
        "JUL": 7,
        "AGU": 8,
        "AGT": 8,
        "AGS": 8,
        "AGUS": 8,
        "SEP": 9,
        "SEPT": 9,
        "OKT": 10,
        "NOV": 11,
        "NOP": 11,
        "DES": 12,
    }
)

# The office's column order; channels after these (SMS, ...) follow in Channel's own order.
OFFICE_CHANNEL_ORDER = ("phone", "whatsapp", "whatsapp_call", "email", "facebook", "website")
# Column headers as the office prints them (domain.md §0), its spelling kept ("Whatsapp Chat"):
# used only where the office's own table is reproduced (the tally's header row, on screen and in
# the exports) and to read the office's files. Everywhere else (charts, metrics) a channel is
# called by its name in the app, "WhatsApp Chat" (channel_label).
OFFICE_CHANNEL_LABELS = {
    "phone": "Telepon",
    "whatsapp": "Whatsapp Chat",
    "whatsapp_call": "Whatsapp Telepon",
    "email": "Email",
    "facebook": "Facebook",
    "website": "Website",
    "sms": "SMS",
    # The office's 2020 report: these three together per month (reports.models.GROUPED_CHANNEL).
    "email_fb_web": "Email/Facebook/Website",
    "other": "Lainnya",
}


def month_name(month: int) -> str:
    return MONTH_NAMES[month - 1]


def parse_month(value: str | int) -> int:
    """``"NOPEMBER"``, ``"Peb"``, ``"agt."``, ``"3"`` → month number; ValueError otherwise."""
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().upper().rstrip(".")
        if text.isdigit():
            number = int(text)
        elif text in _MONTH_SPELLINGS:
            return _MONTH_SPELLINGS[text]
        else:
            raise ValueError(f"unknown month: {value!r}")
    if not 1 <= number <= 12:
        raise ValueError(f"month out of range: {value!r}")
    return number


def format_count(value: int | None) -> str:
    """The office's number format: ``0`` → ``"-"``, ``1007`` → ``"1.007"``."""
    if not value:
        return "-"
    return f"{value:,}".replace(",", ".")


def office_column_label(code: str) -> str:
    """A channel's column header in the office's table, in the office's spelling."""
    if code in OFFICE_CHANNEL_LABELS:
        return OFFICE_CHANNEL_LABELS[code]
    return channel_label(code)


def channel_label(code: str) -> str:
    """A channel's name as the app writes it everywhere but the office's table ("WhatsApp Chat")."""
    try:
        return str(Channel(code).label)
    except ValueError:
        return OFFICE_CHANNEL_LABELS.get(code, code)


def ordered_channels(in_use: set[str] | frozenset[str]) -> list[str]:
    """The office's six columns always, then any other channel that has figures in the period."""
    extra_order = [c for c in Channel.values if c not in OFFICE_CHANNEL_ORDER] + ["email_fb_web", "other"]
    extras = [c for c in extra_order if c in in_use]
    unknown = sorted(in_use - set(OFFICE_CHANNEL_ORDER) - set(extra_order))
    return [*OFFICE_CHANNEL_ORDER, *extras, *unknown]
