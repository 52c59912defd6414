"""Admin pages for data-subject rights: find everything held about a citizen, export it, erase it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tickets.models import Contact
from tickets.privacy.forms import SubjectSearchForm
from tickets.privacy.reads import audit_read
from tickets.privacy.subjects import SubjectQuery, subject_contacts, subject_erase, subject_export
from tickets.reference_data import ROLE_ADMIN
from tickets.roles import staff_required

admin_only = staff_required(ROLE_ADMIN, message=gettext_lazy("Halaman ini untuk admin."))


@admin_only
def subject_search(request):
    """The search is POSTed: a NIK, phone or e-mail in a query string would reach the web server's
    access log. Each search is audit-logged with what it searched by (not the values) and what it found."""
    form = SubjectSearchForm(request.POST if request.method == "POST" else None)
    contacts = None
    if form.is_bound and form.is_valid():
        contacts = subject_contacts(query=SubjectQuery(**form.cleaned_data))
        audit_read(
            request,
            "subject_search",
            by=sorted(name for name, value in form.cleaned_data.items() if value),
            contacts=[c.pk for c in contacts],
        )
    return render(request, "tickets/privacy/subject.html", {"form": form, "contacts": contacts})


def _selected_contacts(request) -> list:
    ids = [int(pk) for pk in request.POST.getlist("contact") if pk.isdigit()]
    return list(Contact.objects.filter(pk__in=ids).prefetch_related("identities"))


@admin_only
@require_POST
def subject_export_view(request):
    contacts = _selected_contacts(request)
    if not contacts:
        messages.error(request, _("Pilih minimal satu kontak."))
        return HttpResponseRedirect(reverse("tickets_privacy:subject"))
    archive = subject_export(contacts=contacts, actor=request.user, request=request)
    response = HttpResponse(archive, content_type="application/zip")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="data-warga-{stamp}.zip"'
    return response


@admin_only
@require_POST
def subject_erase_view(request):
    contacts = _selected_contacts(request)
    if not contacts or request.POST.get("confirm") != "HAPUS":
        messages.error(request, _("Pilih kontak dan ketik HAPUS untuk mengonfirmasi penghapusan."))
        return HttpResponseRedirect(reverse("tickets_privacy:subject"))
    count = subject_erase(contacts=contacts, actor=request.user, request=request)
    messages.success(
        request, _("Data warga dihapus dari %(n)d tiket; jumlah konsultasi tetap tercatat.") % {"n": count}
    )
    return HttpResponseRedirect(reverse("tickets_privacy:subject"))
