"""Forms of the operators' inbox: the list's filters (read from the URL), the ticket page's actions
and the list's bulk actions. Labels are Indonesian through gettext."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from curhat.forms import ModelChoiceField
from tickets.inbox.selectors.listing import (
    ASSIGNED_ANYONE,
    ASSIGNED_MINE,
    ASSIGNED_NONE,
    DEFAULT_PAGE_SIZE,
    FILTER_DATE_MAX,
    FILTER_DATE_MIN,
    PAGE_SIZES,
    STATUS_ALL,
    STATUS_OPEN,
    InboxQuery,
)
from tickets.inbox.services import BULK_ACTIONS, STATUS_ACTIONS
from tickets.models import Channel, Department, Ticket, Topic

STATUS_CHOICES = [
    (STATUS_OPEN, _("Perlu ditangani")),
    (STATUS_ALL, _("Semua status")),
    *Ticket.Status.choices,
]
ASSIGNED_CHOICES = [
    (ASSIGNED_ANYONE, _("Siapa saja")),
    (ASSIGNED_MINE, _("Ditugaskan ke saya")),
    (ASSIGNED_NONE, _("Belum ditugaskan")),
]


FILTER_DATE_VALIDATORS = [
    MinValueValidator(FILTER_DATE_MIN, _("Tanggal paling awal %(limit_value)s.")),
    MaxValueValidator(FILTER_DATE_MAX, _("Tanggal paling akhir %(limit_value)s.")),
]


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    channel = forms.ChoiceField(
        label=_("Kanal"), choices=[("", _("Semua kanal")), *Channel.choices], required=False
    )
    topic = ModelChoiceField(
        label=_("Topik"), queryset=Topic.objects.all(), required=False, empty_label=_("Semua topik")
    )
    department = ModelChoiceField(
        label=_("Bidang"), queryset=Department.objects.all(), required=False, empty_label=_("Semua bidang")
    )
    assigned = forms.ChoiceField(label=_("Petugas"), choices=ASSIGNED_CHOICES, required=False)
    waiting = forms.BooleanField(label=_("Menunggu pejabat"), required=False)
    date_from = forms.DateField(
        label=_("Dari tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=FILTER_DATE_VALIDATORS,
    )
    date_to = forms.DateField(
        label=_("Sampai tanggal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=FILTER_DATE_VALIDATORS,
    )
    n = forms.TypedChoiceField(
        label=_("Per halaman"),
        choices=[(size, size) for size in PAGE_SIZES],
        coerce=int,
        required=False,
        # django-stubs types empty_value as str | None; Django's TypedChoiceField takes any value.
        empty_value=DEFAULT_PAGE_SIZE,  # type: ignore[arg-type]
    )

    def inbox_query(self) -> InboxQuery:
        data = self.cleaned_data
        return InboxQuery(
            status=data.get("status") or STATUS_OPEN,
            channel=data.get("channel") or "",
            topic_id=data["topic"].pk if data.get("topic") else None,
            department_id=data["department"].pk if data.get("department") else None,
            assigned=data.get("assigned") or ASSIGNED_ANYONE,
            waiting_official=bool(data.get("waiting")),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            q=(data.get("q") or "").strip(),
        )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Balasan"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4096)
    channel = forms.ChoiceField(label=_("Kirim lewat"), choices=Channel.choices, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Catatan internal"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4096
    )


def _operator_field(required: bool = False) -> ModelChoiceField:
    return ModelChoiceField(
        label=_("Petugas"),
        queryset=get_user_model().objects.filter(is_active=True),
        required=required,
        empty_label=_("— tidak ada —"),
    )


class AssignForm(forms.Form):
    assignee = _operator_field()


class CategorizeForm(forms.Form):
    topic = ModelChoiceField(label=_("Topik"), queryset=Topic.objects.all(), required=False)
    department = ModelChoiceField(label=_("Bidang"), queryset=Department.objects.all(), required=False)


class StatusForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in STATUS_ACTIONS])


class MergeTicketForm(forms.Form):
    reference = forms.CharField(label=_("Nomor tiket yang digabung ke sini"), max_length=20)

    def clean_reference(self) -> Ticket:
        reference = self.cleaned_data["reference"].strip().upper()
        ticket = Ticket.objects.filter(reference=reference).first()
        if ticket is None:
            raise forms.ValidationError(_("Tiket %(ref)s tidak ditemukan."), params={"ref": reference})
        return ticket


class MergeContactForm(MergeTicketForm):
    reference = forms.CharField(
        label=_("Nomor tiket milik kontak yang digabung ke kontak ini"), max_length=20
    )


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Tindakan"), choices=[(a, a) for a in BULK_ACTIONS])
    tickets = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    assignee = _operator_field()
    topic = ModelChoiceField(label=_("Topik"), queryset=Topic.objects.all(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any ticket id is acceptable here; the service skips the ones that cannot change.
        raw = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        self.fields["tickets"].choices = [(value, value) for value in raw if str(value).isdigit()]
