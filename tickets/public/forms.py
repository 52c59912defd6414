"""Forms of the public pages (/tanya/, /lacak/<token>/): what a citizen may send without an account.

Every refusal says in Bahasa Indonesia what to fix. Attachments are checked here by their bytes
(tickets.attachments), so a refused file refuses the whole submission and nothing is stored.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from curhat.forms import ModelChoiceField
from tickets.attachments import attachment_check
from tickets.identities import normalize_email, normalize_phone
from tickets.models import Topic

# What the public form accepts: photos of documents and PDFs (a subset of what channels accept).
PUBLIC_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"})
MESSAGE_MAX_CHARS = 4000


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    content: bytes


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _check_files(files) -> list[CheckedFile]:
    limit_count = settings.CURHAT_WEBSITE_MAX_FILES
    limit_bytes = min(settings.CURHAT_WEBSITE_MAX_FILE_BYTES, settings.CURHAT_MAX_ATTACHMENT_BYTES)
    if len(files) > limit_count:
        raise ValidationError(
            _("Paling banyak %(count)d berkas."), code="too_many_files", params={"count": limit_count}
        )
    checked = []
    for upload in files:
        if upload.size > limit_bytes:
            raise ValidationError(
                _("Berkas %(name)s terlalu besar (batas %(limit)s)."),
                code="file_too_big",
                params={"name": upload.name, "limit": filesizeformat(limit_bytes)},
            )
        content = upload.read()
        sniffed, refusal = attachment_check(content)
        if refusal or sniffed not in PUBLIC_CONTENT_TYPES:
            raise ValidationError(
                _("Berkas %(name)s tidak diterima: hanya foto (JPG, PNG, WEBP, HEIC) atau PDF."),
                code="file_type",
                params={"name": upload.name},
            )
        checked.append(CheckedFile(name=upload.name[:200], content_type=sniffed, content=content))
    return checked


class SubmissionIdField(forms.CharField):
    """A random id the page carries: the same submission sent twice (a double tap, a resent form)
    is stored once."""

    widget = forms.HiddenInput

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return str(uuid.UUID(value))
        except ValueError as exc:
            raise ValidationError(
                _("Formulir tidak lengkap, silakan muat ulang halaman."), code="bad_id"
            ) from exc


class PublicQuestionForm(forms.Form):
    name = forms.CharField(
        label=_("Nama"),
        max_length=120,
        error_messages={"required": _("Nama wajib diisi.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Nomor WhatsApp/telepon"),
        required=False,
        max_length=30,
        help_text=_("Contoh: 0811-415-227"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    topic = ModelChoiceField(
        label=_("Topik"),
        queryset=Topic.objects.filter(is_active=True),
        empty_label=_("— pilih topik —"),
        error_messages={
            "required": _("Pilih topik pertanyaan."),
            "invalid_choice": _("Topik tidak dikenal."),
        },
    )
    message = forms.CharField(
        label=_("Pertanyaan atau keluhan"),
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Tulis pertanyaan Anda."),
            "max_length": _("Pertanyaan terlalu panjang (paling banyak %(limit_value)d huruf)."),
        },
    )
    attachments = MultipleFileField(
        label=_("Lampiran (opsional)"),
        required=False,
        help_text=_("Foto dokumen atau PDF."),
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,application/pdf"}
        ),
    )
    consent = forms.BooleanField(
        label=_("Saya menyetujui pemrosesan data pribadi saya untuk menjawab pertanyaan ini."),
        error_messages={
            "required": _("Anda perlu menyetujui pemrosesan data pribadi agar kami dapat menjawab.")
        },
    )
    # Honeypot: hidden from people by CSS, filled in by bots that fill in everything.
    website = forms.CharField(
        label=_("Jangan diisi"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    submission = SubmissionIdField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # With no topics configured yet, the form still works (the operator sets the topic).
        if not self.fields["topic"].queryset.exists():
            self.fields["topic"].required = False
        self.fields["submission"].initial = str(uuid.uuid4())

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "").strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except ValidationError as exc:
            raise ValidationError(
                _("Nomor WhatsApp/telepon tidak valid. Contoh: 0811-415-227."), code="phone_invalid"
            ) from exc

    def clean_email(self) -> str:
        raw = self.cleaned_data.get("email", "").strip()
        if not raw:
            return ""
        try:
            return normalize_email(raw)
        except ValidationError as exc:
            raise ValidationError(
                _("Alamat email tidak valid. Contoh: nama@contoh.com."), code="email_invalid"
            ) from exc

    def clean_message(self) -> str:
        text = self.cleaned_data["message"].strip()
        if not text:
            raise ValidationError(_("Tulis pertanyaan Anda."), code="required")
        return text

    def clean_attachments(self) -> list[CheckedFile]:
        return _check_files(self.cleaned_data.get("attachments") or [])

    def clean(self):
        cleaned = super().clean()
        contact_errors = self.errors.get("phone") or self.errors.get("email")
        if not contact_errors and not cleaned.get("phone") and not cleaned.get("email"):
            raise ValidationError(
                _(
                    "Isi nomor WhatsApp/telepon atau alamat email (salah satu wajib) agar kami dapat menjawab."
                ),
                code="no_contact",
            )
        return cleaned

    @property
    def contact_key(self) -> str:
        """The normalized contact the per-contact rate limit counts (phone first, as the sender)."""
        data = getattr(self, "cleaned_data", {})
        return data.get("phone") or data.get("email") or ""


class TrackingReplyForm(forms.Form):
    message = forms.CharField(
        label=_("Tambahkan pesan"),
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Tulis pesan Anda."),
            "max_length": _("Pesan terlalu panjang (paling banyak %(limit_value)d huruf)."),
        },
    )
    attachments = MultipleFileField(
        label=_("Lampiran (opsional)"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,application/pdf"}
        ),
    )
    website = forms.CharField(
        label=_("Jangan diisi"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    submission = SubmissionIdField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = str(uuid.uuid4())

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def clean_message(self) -> str:
        text = self.cleaned_data["message"].strip()
        if not text:
            raise ValidationError(_("Tulis pesan Anda."), code="required")
        return text

    def clean_attachments(self) -> list[CheckedFile]:
        return _check_files(self.cleaned_data.get("attachments") or [])


_TRACKING_LINK = re.compile(r"/lacak/([A-Za-z0-9_-]{20,64})/?")


class TrackingLookupForm(forms.Form):
    """Find one's own ticket (/lacak/): its reference and the phone number or e-mail address it was
    sent from, or the tracking link itself pasted into the first field."""

    reference = forms.CharField(
        label=_("Nomor tiket atau tautan pelacakan"),
        max_length=300,
        help_text=_("Contoh: CA-2026-000123"),
        error_messages={"required": _("Tulis nomor tiket Anda.")},
    )
    contact = forms.CharField(
        label=_("Nomor HP/WhatsApp atau email yang Anda pakai"),
        max_length=254,
        required=False,
    )

    def clean(self):
        data = super().clean()
        raw = (data.get("reference") or "").strip()
        link = _TRACKING_LINK.search(raw)
        data["token"] = link.group(1) if link else ""
        if link:
            return data
        data["reference"] = raw.upper()
        contact = (data.get("contact") or "").strip()
        if not contact:
            self.add_error("contact", _("Tulis nomor HP/WhatsApp atau email yang Anda pakai saat bertanya."))
            return data
        values = []
        if "@" in contact:
            with contextlib.suppress(ValidationError):
                values.append(normalize_email(contact))
        else:
            with contextlib.suppress(ValidationError):
                values.append(normalize_phone(contact))
        if not values:
            self.add_error("contact", _("Nomor HP atau alamat email ini tidak valid."))
        data["identities"] = values
        return data
