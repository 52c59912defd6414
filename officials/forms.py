from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from curhat.forms import ModelChoiceField
from tickets.models import Department, Official
from tickets.refdata import refdata


class EscalationCreateForm(forms.Form):
    department = ModelChoiceField(
        label=_("Bidang"),
        queryset=Department.objects.filter(is_active=True),
        empty_label=None,
        listed=lambda: refdata("departments"),
    )
    official = ModelChoiceField(
        label=_("Pejabat (opsional)"),
        queryset=Official.objects.select_related("user").filter(user__is_active=True),
        required=False,
        empty_label=_("Pejabat bawaan bidang"),
        listed=lambda: refdata("officials"),
    )
    question = forms.CharField(label=_("Pertanyaan untuk pejabat"), widget=forms.Textarea(attrs={"rows": 4}))
    notify_citizen = forms.BooleanField(
        label=_("Kirim pesan ke warga bahwa pertanyaannya sedang diteruskan"), required=False, initial=True
    )

    def clean(self):
        data = super().clean()
        department, official = data.get("department"), data.get("official")
        if department and official and not official.departments.filter(pk=department.pk).exists():
            self.add_error("official", _("Pejabat tersebut bukan dari bidang ini."))
        return data


class AnswerForm(forms.Form):
    # Django's "Bidang ini harus diisi." reads as "this department ..." here: say what is missing.
    answer = forms.CharField(
        label=_("Jawaban untuk warga"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Jawaban belum diisi.")},
    )


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan untuk operator"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Misalnya: perlu nomor KK warga."),
        error_messages={"required": _("Tuliskan apa yang perlu dilengkapi operator.")},
    )


class ApproveForm(forms.Form):
    answer = forms.CharField(label=_("Jawaban (boleh disunting)"), widget=forms.Textarea(attrs={"rows": 6}))


class ReassignForm(forms.Form):
    official = ModelChoiceField(
        label=_("Alihkan ke"),
        queryset=Official.objects.none(),
        required=False,
        empty_label=_("Bidang (siapa saja)"),
    )

    def __init__(self, *args, department: Department, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["official"]
        assert isinstance(field, ModelChoiceField)
        field.queryset = department.officials.filter(user__is_active=True).select_related("user")
        field.listed = lambda: [o for o in refdata("officials") if department.pk in o.department_ids]
