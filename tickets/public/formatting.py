"""WhatsApp-style text as safe HTML for the citizen's tracking page: *bold*, _italic_, ~strike~,
```monospace```, "- " / "* " / "1. " lists, and http(s) links made tappable.

Safety first: the whole text is HTML-escaped before any markup is added, and the markup added is
a fixed set of tags without attributes, except links, whose href is the escaped http(s) URL found
in the text (no other scheme becomes a link). Link and monospace contents are set aside before
the inline rules run, so an underscore in a URL never turns into italics.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_SLOT = "\x00"
_MONO = re.compile(r"```(.+?)```", re.S)
# After escaping: no raw <, >, " or ' remain, so a URL ends at whitespace or at an escaped bracket.
_URL = re.compile(r"https?://[^\s]+?(?=&(?:lt|gt|quot|#x27);|[\s]|$)", re.I)
_TRAILING = ".,;:!?)]}"
_INLINE = [
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
]
_BULLET = re.compile(r"^\s*(?:[-*•])\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")


class _Slots:
    """Pieces of finished HTML kept out of the inline rules, put back at the end."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def keep(self, html: str) -> str:
        self.pieces.append(html)
        return f"{_SLOT}{len(self.pieces) - 1}{_SLOT}"

    def restore(self, text: str) -> str:
        return re.sub(f"{_SLOT}(\\d+){_SLOT}", lambda m: self.pieces[int(m.group(1))], text)


def _link(match: re.Match, slots: _Slots) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING:
        url, tail = url[:-1], url[-1] + tail
    if "://" not in url or url.endswith("://"):
        return match.group(0)
    return slots.keep(f'<a href="{url}" rel="nofollow noopener noreferrer">{url}</a>') + tail


def _inline(line: str, slots: _Slots) -> str:
    line = _URL.sub(lambda m: _link(m, slots), line)
    for pattern, tag in _INLINE:
        line = pattern.sub(rf"<{tag}>\1</{tag}>", line)
    return line


def _drop_self_links(lines: list[str], own_url: str) -> list[str]:
    """Lines that only repeat the page's own address ("Pantau status ... di:\\n<this page>") say
    nothing on that page: drop them and the line introducing them."""
    kept: list[str] = []
    for line in lines:
        if own_url and line.strip() == own_url:
            if kept and kept[-1].rstrip().endswith(":"):
                kept.pop()
            continue
        kept.append(line)
    return kept


def whatsapp_html(text: str, *, own_url: str = "") -> SafeString:
    """``text`` (as a citizen or the office wrote it) as HTML: escaped, then formatted."""
    slots = _Slots()
    raw = (text or "").replace(_SLOT, "")
    lines = _drop_self_links(raw.replace("\r\n", "\n").split("\n"), own_url)
    escaped: str = str(escape("\n".join(lines).strip("\n")))
    escaped = _MONO.sub(lambda m: slots.keep(f"<code>{m.group(1)}</code>"), escaped)
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""
    list_start = 1

    def close_paragraph() -> None:
        if paragraph:
            blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if items:
            start = f' start="{list_start}"' if list_tag == "ol" and list_start != 1 else ""
            rows = "".join(f"<li>{item}</li>" for item in items)
            blocks.append(f"<{list_tag}{start}>{rows}</{list_tag}>")
            items.clear()
        list_tag = ""

    for line in escaped.split("\n"):
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if bullet or numbered:
            tag = "ul" if bullet else "ol"
            if tag != list_tag:
                close_list()
                list_start = int(numbered.group(1)) if numbered else 1
            close_paragraph()
            list_tag = tag
            items.append(_inline(bullet.group(1) if bullet else numbered.group(2), slots))  # type: ignore[union-attr]
        elif not line.strip():
            close_list()
            close_paragraph()
        else:
            close_list()
            paragraph.append(_inline(line, slots))
    close_list()
    close_paragraph()
    return mark_safe(slots.restore("".join(blocks)))  # noqa: S308 (escaped above; only our tags added)
