"""DRF's browsable API without inline styles: the CSP allows styles from 'self' only (no
'unsafe-inline'), and DRF's page had a ``<style>`` block (Pygments' colours) and ``style="..."``
attributes (issue 16: the anonymous ``/api/v1/`` 403 page broke the CSP).

The ``<style>`` block is gone from ``templates/rest_framework/api.html`` (its rules are in
``static/css/api-browsable.css``); each ``style="..."`` attribute is replaced here by a class named
after its declarations (:func:`style_class`), whose rule is in the same file. A test checks that
every style attribute in DRF's templates has its rule there.
"""

from __future__ import annotations

import hashlib
import re

from rest_framework.renderers import BrowsableAPIRenderer

_STYLE = re.compile(r'(<[a-zA-Z][^<>]*?)\sstyle="([^"]*)"([^<>]*>)')
_CLASS = re.compile(r'\sclass="([^"]*)"')


def style_class(declarations: str) -> str:
    """The class standing for an inline style (same declarations, same class)."""
    normalized = ";".join(
        part.strip().replace(" ", "") for part in declarations.split(";") if part.strip()
    ).lower()
    return "drf-s-" + hashlib.sha256(normalized.encode()).hexdigest()[:10]


def _as_class(match: re.Match[str]) -> str:
    start, declarations, end = match.groups()
    name = style_class(declarations)
    tag = start + end
    if _CLASS.search(tag):
        return _CLASS.sub(lambda m: f' class="{m.group(1)} {name}"', tag, count=1)
    return f'{start} class="{name}"{end}'


def without_inline_styles(html: str) -> str:
    return _STYLE.sub(_as_class, html)


class CspBrowsableAPIRenderer(BrowsableAPIRenderer):
    def get_context(self, *args, **kwargs):
        context = super().get_context(*args, **kwargs)
        context["code_style"] = None  # its rules are in static/css/api-browsable.css
        return context

    def render(self, data, accepted_media_type=None, renderer_context=None):
        html = super().render(data, accepted_media_type, renderer_context)
        if isinstance(html, bytes):
            return without_inline_styles(html.decode()).encode()
        return without_inline_styles(html)
