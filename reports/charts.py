"""Server-side SVG charts: no JavaScript, no CDN, nothing the CSP (``default-src 'self'``) blocks.

Only SVG presentation attributes (fill, stroke, ...) are used, never ``style=""``, which the page's
``style-src 'self'`` would refuse. Colours are the Okabe-Ito palette (distinguishable for colour-blind
readers and in greyscale print), and every bar and point also carries its number as text.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .office_format import MONTH_NAMES, channel_label, format_count
from .selectors import Tally, YearSeries

PALETTE = {
    "phone": "#0072B2",
    "whatsapp": "#009E73",
    "whatsapp_call": "#56B4E9",
    "email": "#E69F00",
    "facebook": "#CC79A7",
    "website": "#D55E00",
    "sms": "#F0E442",
    "other": "#999999",
}
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"]
FONT = 'font-family="system-ui, sans-serif"'


def _colour(channel: str) -> str:
    return PALETTE.get(channel, "#666666")


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every text part below goes through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _axis_top(value: int, ticks: int = 4) -> int:
    """A round axis maximum divisible into ``ticks`` whole-number steps (1, 2, 5 × 10^k each)."""
    value = max(int(value), 1)
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * ticks >= value:
                return step * magnitude * ticks
        magnitude *= 10


def _tick_label(value: int) -> str:
    return format_count(value) if value else "0"


def _legend(items: list[tuple[str, str, bool]], x: int, y: int, width: int) -> list[str]:
    out, cx, cy = [], x, y
    for label, colour, dashed in items:
        w = 26 + 7 * len(label)
        if cx + w > x + width:
            cx, cy = x, cy + 18
        if dashed:
            out.append(
                f'<line x1="{cx}" y1="{cy - 4}" x2="{cx + 16}" y2="{cy - 4}" stroke="{colour}" '
                f'stroke-width="2.5" stroke-dasharray="4 3"/>'
            )
        else:
            out.append(f'<rect x="{cx}" y="{cy - 10}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{cx + 20}" y="{cy}" font-size="12" {FONT}>{escape(label)}</text>')
        cx += w
    return out


# The charts are drawn twice: WIDE for screens from 641 px (and print), NARROW for phones, each shown
# at the full width of its box (viewBox, width 100%): nothing scrolls sideways or is cut off, and
# the text stays 9-10 px high on a 360 px phone.
WIDE, NARROW = 820, 340


def stacked_bars(tally: Tally, *, width: int = WIDE) -> SafeString:
    """Tickets per month, one stacked segment per channel, the month's total above each bar."""
    narrow = width < WIDE
    height, left, top, bottom = (320, 40, 20, 130) if narrow else (340, 50, 20, 90)
    plot_h = height - top - bottom
    plot_w = width - left - 10
    top_value = _axis_top(max((r.total for r in tally.rows), default=0))
    n = max(len(tally.rows), 1)
    slot = plot_w / n
    bar_w = max(min(slot * 0.7, 48), 4)
    body = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#cccccc"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" {FONT}>'
            f"{escape(_tick_label(top_value * i // 4))}</text>"
        )
    for index, row in enumerate(tally.rows):
        x = left + slot * index + (slot - bar_w) / 2
        y = top + plot_h
        for channel in tally.channels:
            count = row.counts.get(channel, 0)
            if not count:
                continue
            h = plot_h * count / top_value
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{_colour(channel)}">'
                f"<title>{escape(tally.row_label(row))} · {escape(channel_label(channel))}: "
                f"{escape(format_count(count))}</title></rect>"
            )
        if row.total and not (narrow and n > 6):  # on a phone the totals would overlap: in the table
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" font-size="11" text-anchor="middle" {FONT}>'
                f"{escape(format_count(row.total))}</text>"
            )
        body.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle" {FONT}>'
            f"{escape(row.label[:3])}{'' if not tally.spans_years else ' ' + str(row.year)[2:]}</text>"
        )
    legend = [(channel_label(c), _colour(c), False) for c in tally.channels]
    body += _legend(legend, left if not narrow else 4, height - 95 if narrow else height - 50, width - 14)
    title = _("Konsultasi per bulan per kanal, %(period)s") % {"period": tally.period.label()}
    return _svg(width, height, title, body)


def channel_shares(tally: Tally, *, width: int = WIDE) -> SafeString:
    """Each channel's share of the period's tickets, as labelled horizontal bars."""
    rows = [(c, tally.totals.get(c, 0)) for c in tally.channels]
    narrow = width < WIDE
    row_h, left = 26, (118 if narrow else 160)
    room = 110 if narrow else 180  # for the "12,3% (1.234)" after the bar
    height = 20 + row_h * max(len(rows), 1)
    body = []
    total = tally.grand_total or 1
    for i, (channel, count) in enumerate(rows):
        y = 10 + row_h * i
        share = count / total
        w = (width - left - room) * share
        body.append(
            f'<text x="{left - 8}" y="{y + 15}" font-size="12" text-anchor="end" {FONT}>'
            f"{escape(channel_label(channel))}</text>"
        )
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{_colour(channel)}"/>'
        )
        label = f"{share * 100:.1f}% ({format_count(count)})".replace(".", ",", 1) if count else "-"
        body.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}" font-size="12" {FONT}>{escape(label)}</text>')
    return _svg(width, height, _("Pangsa kanal, %(period)s") % {"period": tally.period.label()}, body)


def year_over_year_lines(series: list[YearSeries], *, width: int = WIDE) -> SafeString:
    """Monthly totals per year; historical (imported) years are dashed and labelled "(historis)"."""
    narrow = width < WIDE
    height, left, top, bottom = (330, 40, 20, 120) if narrow else (340, 50, 20, 80)
    plot_h, plot_w = height - top - bottom, width - left - 20
    top_value = _axis_top(max((v or 0 for s in series for v in s.monthly), default=0))
    step = plot_w / 11
    body = []
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="#cccccc"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" {FONT}>'
            f"{escape(_tick_label(top_value * i // 4))}</text>"
        )
    for m, name in enumerate(MONTH_NAMES):
        body.append(
            f'<text x="{left + step * m:.1f}" y="{top + plot_h + 16}" font-size="10" text-anchor="middle" {FONT}>'
            f"{name[:3]}</text>"
        )
    legend = []
    for index, s in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        dash = ' stroke-dasharray="6 4"' if s.imported else ""
        known = [(m, v) for m, v in enumerate(s.monthly, start=1) if v is not None]
        points = [(left + step * (m - 1), top + plot_h - plot_h * v / top_value) for m, v in known]
        # The month under way is partial: its segment is dotted and its point hollow and labelled,
        # so that a few days' count does not read as a fall.
        partial = bool(known) and known[-1][0] == s.partial_month
        whole = points[:-1] if partial else points
        if len(whole) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in whole)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        if partial and len(points) > 1:
            (x1, y1), (x2, y2) = points[-2], points[-1]
            body.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="2 4" class="partial-month"/>'
            )
        for index, ((x, y), (month, v)) in enumerate(zip(points, known, strict=True)):
            if partial and index == len(points) - 1:
                through = s.through.day if s.through else ""
                note = _("%(month)s berjalan (s.d. tgl %(day)s)") % {
                    "month": MONTH_NAMES[month - 1][:3],
                    "day": through,
                }
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#ffffff" stroke="{colour}" '
                    f'stroke-width="2" class="partial-month"><title>{escape(s.label)}: '
                    f"{escape(format_count(v))}, {escape(note)}</title></circle>"
                )
                body.append(
                    f'<text x="{x:.1f}" y="{max(y - 10, top + 10):.1f}" font-size="11" text-anchor="end" '
                    f'{FONT} class="partial-month">{escape(note)}</text>'
                )
                continue
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(s.label)}: {escape(format_count(v))}</title></circle>"
            )
        legend.append((s.label, colour, s.imported))
    body += _legend(legend, 4 if narrow else left, height - (90 if narrow else 30), width - 14)
    return _svg(width, height, _("Perbandingan antar tahun (total per bulan)"), body)
