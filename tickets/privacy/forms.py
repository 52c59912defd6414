from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tickets.identities import normalize_email, normalize_phone
from tickets.privacy.nik import is_valid_nik


class SubjectSearchForm(forms.Form):
    phone = forms.CharField(label=_("Nomor telepon/WhatsApp"), required=False)
    email = forms.CharField(label=_("Email"), required=False)
    nik = forms.CharField(label=_("NIK"), required=False)

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""

    def clean_email(self):
        value = self.cleaned_data["email"].strip()
        return normalize_email(value) if value else ""

    def clean_nik(self):
        value = "".join(ch for ch in self.cleaned_data["nik"] if ch.isdigit())
        if value and not is_valid_nik(value):
            raise ValidationError(_("NIK tidak valid."))
        return value

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or data.get("email") or data.get("nik")) and not self.errors:
            raise ValidationError(_("Isi nomor telepon, email atau NIK."))
        return data
