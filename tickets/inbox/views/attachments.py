"""Citizens' files for staff: never rendered from our origin unless a browser shows them inertly."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from tickets.inbox.views.common import (
    audit,
)
from tickets.models import Attachment
from tickets.privacy.filenames import attachment_download_name
from tickets.roles import staff_required

# Content types a browser may show inline from our download view: raster images and audio/video
# it plays itself. Everything else (PDF, SVG, HTML, unknown) is a download, never rendered.
INLINE_SAFE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/x-wav",
        "video/mp4",
    }
)


@require_GET
@staff_required()
def attachment_download(request, attachment_id: int):
    """A citizen's file, only for staff, always with nosniff; shown inline only when it is a raster
    image or media the browser plays itself (by the type sniffed from its bytes), otherwise a
    download."""
    attachment = get_object_or_404(Attachment.objects.select_related("message__ticket"), pk=attachment_id)
    if attachment.download_status != Attachment.DownloadStatus.STORED or not attachment.file:
        raise Http404
    inline = request.GET.get("inline") == "1" and attachment.content_type in INLINE_SAFE_TYPES
    content_type = (
        attachment.content_type
        if attachment.content_type in INLINE_SAFE_TYPES
        else "application/octet-stream"
    )
    name = attachment_download_name(attachment)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=not inline, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    audit(request, "ticket_view", attachment.message.ticket, attachment=attachment.pk)
    return response
