"""Accepting files from citizens: content sniffed from the bytes, size-capped, hashed, stored
outside the web root. A file we refuse is still recorded (name, declared type, reason) so the
operator sees that something was sent."""

from __future__ import annotations

import hashlib

import filetype
from django.conf import settings
from django.core.files.base import ContentFile

from tickets.models import Attachment, Message

# What citizens send us: photos of documents, PDFs, voice notes, short videos.
ALLOWED_CONTENT_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "image/heic",
        "application/pdf",
        "audio/ogg",
        "audio/mpeg",
        "audio/amr",
        "audio/mp4",
        "audio/x-m4a",
        "audio/x-wav",
        "video/mp4",
        "video/3gpp",
        "video/quicktime",
    }
)


def sniff_content_type(content: bytes) -> str:
    kind = filetype.guess(content)
    return kind.mime if kind is not None else ""


def attachment_check(content: bytes) -> tuple[str, str]:
    """(sniffed content type, refusal reason or '')."""
    limit = settings.CURHAT_MAX_ATTACHMENT_BYTES
    if len(content) > limit:
        return "", f"berkas terlalu besar ({len(content)} byte; batas {limit} byte)"
    if not content:
        return "", "berkas kosong"
    sniffed = sniff_content_type(content)
    if sniffed not in ALLOWED_CONTENT_TYPES:
        return sniffed, f"jenis berkas tidak diterima ({sniffed or 'tidak dikenali'})"
    return sniffed, ""


def attachment_store_content(attachment: Attachment, content: bytes) -> Attachment:
    """Check ``content`` and store it on ``attachment`` (saved)."""
    sniffed, refusal = attachment_check(content)
    attachment.content_type = sniffed
    attachment.size = len(content)
    attachment.sha256 = hashlib.sha256(content).hexdigest()
    if refusal:
        attachment.download_status = Attachment.DownloadStatus.REJECTED
        attachment.download_error = refusal
        attachment.save()
        return attachment
    attachment.file.save(attachment.original_name or "lampiran", ContentFile(content), save=False)
    attachment.download_status = Attachment.DownloadStatus.STORED
    attachment.download_error = ""
    attachment.save()
    return attachment


def attachment_accept(*, message: Message, filename: str, declared_type: str, content: bytes) -> Attachment:
    attachment = Attachment(
        message=message,
        original_name=(filename or "")[:255],
        declared_content_type=(declared_type or "")[:100],
    )
    return attachment_store_content(attachment, content)
