"""Citizens' file names as staff see them: a citizen names a photo ``KTP 7372014507900001.jpg``, and the
name travels to pages and to the Content-Disposition of downloads (and so to browser histories and
download folders). Both masked like every other list shows a NIK."""

from __future__ import annotations

import mimetypes

from tickets.models import Attachment
from tickets.privacy.nik import mask_personal_text


def attachment_display_name(attachment: Attachment) -> str:
    """NIK/KK numbers, e-mail addresses and phone numbers in the name masked
    (``KTP 7372014507900001.jpg`` → ``KTP 737201******0001.jpg``)."""
    return mask_personal_text(attachment.original_name)


def attachment_download_name(attachment: Attachment) -> str:
    """The name in a download's Content-Disposition: masked as shown, ``*`` (not allowed in file names
    on Windows) as ``x``, an extension from the type when the name has none."""
    name = attachment_display_name(attachment).replace("*", "x") or f"lampiran-{attachment.pk}"
    if "." not in name:
        name += mimetypes.guess_extension(attachment.content_type or "") or ""
    return name
