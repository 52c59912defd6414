"""Names of entries in archives we hand out (the data subject's ZIP): a file name a citizen or a
provider chose must not become a path (``../../etc/cron.d/x``, ``/etc/passwd``, ``C:\\x``) when
the archive is unpacked."""

from __future__ import annotations

import re

_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f:*?"<>|]')
MAX_NAME = 150


def safe_entry_name(name: str, *, default: str = "berkas") -> str:
    """One path segment from ``name``: its folders joined by "-", no "." or ".." part, no control
    or reserved characters, at most MAX_NAME characters (the extension kept)."""
    cleaned = _UNSAFE_CHARS.sub("", name or "")
    parts = [part.strip() for part in re.split(r"[/\\]+", cleaned)]
    parts = [part for part in parts if part and part.strip(".")]
    joined = "-".join(parts).lstrip(".-") or default
    if len(joined) > MAX_NAME:
        stem, dot, ext = joined.rpartition(".")
        joined = (
            (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else joined[:MAX_NAME]
        )
    return joined
