"""The staff pages' small CSS system: its colour pairs meet WCAG AA contrast, nothing is loaded from
another site, and no page carries inline styles or scripts (CSP: 'self' only)."""

from __future__ import annotations

import re

import pytest

from .support import ROOT

CSS = ROOT / "static" / "css"


def _hex(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _tokens() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", (CSS / "curhat.css").read_text(), re.S)
    assert root is not None
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))


# Text on background, as the pages use them.
TEXT_PAIRS = [
    ("fg", "card"),
    ("fg", "bg"),
    ("fg", "soft"),
    ("muted", "card"),
    ("muted", "bg"),
    ("muted", "soft"),
    ("accent", "card"),
    ("card", "accent"),
    ("accent", "accent-soft"),
    ("danger", "card"),
    ("danger", "danger-soft"),
    ("warn-fg", "warn-soft"),
    ("fg", "info-soft"),
    ("focus", "card"),
]


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_text_colours_meet_wcag_aa(fg, bg):
    tokens = _tokens()
    assert contrast(tokens[fg], tokens[bg]) >= 4.5, f"--{fg} on --{bg}"


def test_channel_badges_are_readable():
    inbox = (CSS / "inbox.css").read_text()
    for channel, colour in re.findall(r"\.ch-([\w_]+) \{ background:(#[0-9a-fA-F]{6}); \}", inbox):
        assert contrast("#ffffff", colour) >= 4.5, channel


def test_contrast_is_computed_as_wcag_defines_it():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic just-too-light grey


def test_no_stylesheet_or_script_comes_from_another_site():
    for path in [*CSS.glob("*.css"), *(ROOT / "static" / "js").glob("*.js")]:
        text = path.read_text()
        assert not re.search(r"(@import|url\()\s*['\"]?(https?:)?//", text), path
        assert not re.search(r"\bfetch\(\s*['\"]https?://", text), path


@pytest.mark.parametrize(
    "folder", ["templates/tickets/inbox", "templates/officials", "templates/tickets/inbox/fragments"]
)
def test_staff_templates_have_no_inline_style_or_script(folder):
    for path in (ROOT / folder).glob("*.*"):
        text = path.read_text()
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+=", text), path  # no inline event handlers
