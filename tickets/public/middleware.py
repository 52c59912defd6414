"""The public form's body cap: an oversized post is refused by its Content-Length, before anything
reads the body (Django would otherwise spool a 30 MB upload to disk before the form refuses it)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _


def public_form_max_body_bytes() -> int:
    """The largest post the form can legitimately send: its files at their limit plus the fields."""
    per_file = min(settings.CURHAT_WEBSITE_MAX_FILE_BYTES, settings.CURHAT_MAX_ATTACHMENT_BYTES)
    return settings.CURHAT_WEBSITE_MAX_FILES * per_file + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class PublicFormBodyCapMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info == reverse("public:ask"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > public_form_max_body_bytes():
                return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request):
        from tickets.public.forms import PublicQuestionForm

        limit_mb = settings.CURHAT_WEBSITE_MAX_FILE_BYTES // (1024 * 1024)
        refusal = _(
            "Kiriman terlalu besar. Lampirkan paling banyak %(files)d berkas, masing-masing paling besar "
            "%(mb)d MB."
        ) % {"files": settings.CURHAT_WEBSITE_MAX_FILES, "mb": limit_mb}
        response = render(
            request,
            "tickets/public/ask.html",
            {"office_name": settings.CURHAT_OFFICE_NAME, "form": PublicQuestionForm(), "refusal": refusal},
            status=413,
        )
        response["Connection"] = "close"  # the unread body is not left in the connection
        return response
