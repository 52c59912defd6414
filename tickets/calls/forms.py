"""The operator's call-log form (Bahasa Indonesia)."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from curhat.forms import ModelChoiceField
from tickets.calls.services import calls_awaiting_summary
from tickets.identities import mask_phone, normalize_phone
from tickets.models import Channel, Message, Topic

OUTCOMES = [
    ("answered", _("Terjawab langsung")),
    ("follow_up", _("Perlu tindak lanjut")),
    ("call_back", _("Perlu ditelepon balik")),
    ("wrong_number", _("Salah sambung / bukan layanan")),
]


class CallMessageChoiceField(ModelChoiceField):
    def label_from_instance(self, obj: Message) -> str:
        identity = obj.ticket.contact.identities.first()
        who = mask_phone(identity.value) if identity and identity.kind == "phone" else str(obj.ticket.contact)
        return f"{obj.ticket.reference} · {who} · {obj.created_at:%d/%m %H:%M}"


class CallLogForm(forms.Form):
    existing_call = CallMessageChoiceField(
        label=_("Panggilan yang sudah tercatat otomatis"),
        queryset=Message.objects.none(),
        required=False,
        empty_label=_("— Bukan; catat sebagai panggilan baru —"),
        help_text=_("Panggilan lewat nomor layanan sudah punya tiket: pilih agar tidak terhitung dua kali."),
    )
    channel = forms.ChoiceField(
        label=_("Kanal"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.WHATSAPP_CALL, Channel.WHATSAPP_CALL.label)],
        initial=Channel.PHONE,
    )
    caller_number = forms.CharField(label=_("Nomor penelepon"), max_length=30, required=False)
    caller_name = forms.CharField(label=_("Nama penelepon"), max_length=200, required=False)
    topic = ModelChoiceField(label=_("Topik"), queryset=Topic.objects.none(), required=False)
    summary = forms.CharField(label=_("Ringkasan"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    duration_minutes = forms.IntegerField(
        label=_("Durasi (menit)"), min_value=0, max_value=600, required=False
    )
    outcome = forms.ChoiceField(label=_("Hasil"), choices=OUTCOMES, initial="answered")
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["existing_call"].queryset = calls_awaiting_summary()
        self.fields["topic"].queryset = Topic.objects.filter(is_active=True)
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4().hex

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        try:
            return uuid.UUID(token).hex
        except ValueError as exc:
            raise ValidationError(_("Formulir tidak sah; muat ulang halaman.")) from exc

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("existing_call") is None:
            number = cleaned.get("caller_number", "")
            if not number:
                self.add_error(
                    "caller_number", _("Isi nomor penelepon, atau pilih panggilan yang sudah tercatat.")
                )
            else:
                try:
                    cleaned["caller_number"] = normalize_phone(number)
                except ValidationError as exc:
                    self.add_error("caller_number", exc)
        return cleaned
