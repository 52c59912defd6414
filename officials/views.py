"""The officials' queue, the escalation page, and the operators' escalation actions on a ticket."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tickets.models import Attachment, Ticket
from tickets.privacy.filenames import attachment_download_name
from tickets.privacy.reads import audit_read
from tickets.relay.senders import text_limit
from tickets.roles import official_profile, official_required, staff_required

from . import selectors, services
from .forms import AnswerForm, ApproveForm, EscalationCreateForm, ReassignForm, ReturnForm
from .inbox import ticket_panel_context
from .models import Escalation

# Operators (and admins) act on tickets; officials do not.
operator_required = staff_required(message=gettext_lazy("Halaman ini untuk operator."))


RECENT_MESSAGES = 2

# Lazy: translated per request in the visitor's language, not once at import.
STATUS_TABS = [
    (Escalation.Status.OPEN, gettext_lazy("Menunggu jawaban")),
    (Escalation.Status.AWAITING_APPROVAL, gettext_lazy("Menunggu persetujuan")),
    (Escalation.Status.RETURNED, gettext_lazy("Dikembalikan")),
    (Escalation.Status.ANSWERED, gettext_lazy("Dijawab")),
]


@official_required
def queue(request):
    status = request.GET.get("status", Escalation.Status.OPEN)
    if status not in dict(STATUS_TABS):
        status = Escalation.Status.OPEN
    escalations = list(selectors.escalation_queue(user=request.user, status=status)[:200])
    overdue_ids = {e.pk for e in escalations if e.is_overdue}
    audit_read(request, "escalation_list", ids=[e.pk for e in escalations])
    return render(
        request,
        "officials/queue.html",
        {
            "escalations": escalations,
            "overdue_ids": overdue_ids,
            "status": status,
            "tabs": STATUS_TABS,
            "departments": selectors.official_departments(user=request.user),
            "official": official_profile(request.user),
        },
    )


@official_required
def detail(request, pk: int):
    escalation = selectors.escalation_for_official(user=request.user, pk=pk)
    if escalation is None:
        raise Http404
    answer_form, return_form = AnswerForm(prefix="answer"), ReturnForm(prefix="return")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                answer_form = AnswerForm(request.POST, prefix="answer")
                if answer_form.is_valid():
                    escalation = services.escalation_answer(
                        escalation=escalation, user=request.user, answer=answer_form.cleaned_data["answer"]
                    )
                    if escalation.status == Escalation.Status.AWAITING_APPROVAL:
                        messages.success(request, _("Jawaban disimpan dan menunggu persetujuan operator."))
                    else:
                        messages.success(
                            request,
                            _("Jawaban dikirim ke warga melalui %(channel)s.")
                            % {"channel": escalation.ticket.get_channel_display()},
                        )
                    return HttpResponseRedirect(reverse("officials:queue"))
            elif action == "return":
                return_form = ReturnForm(request.POST, prefix="return")
                if return_form.is_valid():
                    services.escalation_return(
                        escalation=escalation, user=request.user, note=return_form.cleaned_data["note"]
                    )
                    messages.success(request, _("Eskalasi dikembalikan ke operator."))
                    return HttpResponseRedirect(reverse("officials:queue"))
            else:
                messages.error(request, _("Tindakan tidak dikenal."))
        except ValidationError as exc:
            if action == "answer" and getattr(exc, "code", "") == "too_long":
                answer_form.add_error("answer", exc)  # next to the box, the text kept in it
            else:
                messages.error(request, " ".join(exc.messages))
    audit_read(request, "escalation", ticket=escalation.ticket, obj=escalation)
    timeline = list(selectors.ticket_public_timeline(ticket=escalation.ticket))
    return render(
        request,
        "officials/detail.html",
        {
            "escalation": escalation,
            "overdue": escalation.is_overdue,
            # The channel's limit, in a counter under the answer box (no maxlength: a pasted answer
            # longer than it stays whole, the counter says so and the server refuses it, kept).
            "answer_limit": text_limit(escalation.ticket.channel),
            # The latest two messages next to the question; the earlier ones folded below the answer.
            "recent": timeline[-RECENT_MESSAGES:],
            "earlier": timeline[:-RECENT_MESSAGES],
            "history": escalation.events.select_related("actor"),
            "answer_form": answer_form,
            "return_form": return_form,
        },
        status=400 if request.method == "POST" else 200,
    )


@official_required
def attachment(request, pk: int, attachment_id: int):
    """A file of an escalated ticket, for the official it was escalated to; never rendered inline."""
    escalation = selectors.escalation_for_official(user=request.user, pk=pk)
    if escalation is None:
        raise Http404
    item = get_object_or_404(
        Attachment,
        pk=attachment_id,
        message__ticket=escalation.ticket,
        download_status=Attachment.DownloadStatus.STORED,
    )
    if not item.file:  # erased (the row stays, its file gone): as the inbox's download answers
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    audit_read(request, "attachment", ticket=escalation.ticket, obj=item, escalation=escalation.pk)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment_download_name(item),
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@official_required
@require_POST
def availability(request):
    available = request.POST.get("available") == "1"
    moved = services.official_set_availability(
        official=official_profile(request.user), available=available, actor=request.user
    )
    if available:
        messages.success(request, _("Anda tercatat tersedia kembali."))
    else:
        messages.success(request, _("Anda tercatat berhalangan; %(n)d eskalasi dialihkan.") % {"n": moved})
    return HttpResponseRedirect(reverse("officials:queue"))


# --- the operators' side: a ticket's escalations (its panel: officials.inbox) --------------------------


def _back(request, ticket: Ticket):
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("officials:ticket_escalations", args=[ticket.pk]))


@operator_required
def ticket_escalations(request, ticket_id: int):
    ticket = get_object_or_404(Ticket.objects.select_related("topic", "contact"), pk=ticket_id)
    audit_read(request, "ticket_escalations", ticket=ticket)
    return render(request, "officials/ticket_escalations.html", ticket_panel_context(ticket=ticket))


@operator_required
@require_POST
def escalate(request, ticket_id: int):
    ticket = get_object_or_404(Ticket.objects.select_related("topic", "contact"), pk=ticket_id)
    form = EscalationCreateForm(request.POST)
    if form.is_valid():
        try:
            escalation = services.escalation_create(
                ticket=ticket,
                department=form.cleaned_data["department"],
                official=form.cleaned_data["official"],
                question=form.cleaned_data["question"],
                requested_by=request.user,
                notify_citizen=form.cleaned_data["notify_citizen"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Diteruskan ke %(dept)s; jatuh tempo %(due)s.")
                % {
                    "dept": escalation.department,
                    "due": date_format(timezone.localtime(escalation.due_at), "d M Y H:i"),
                },
            )
            return _back(request, ticket)
    context = ticket_panel_context(ticket=ticket, create_form=form)
    return render(request, "officials/ticket_escalations.html", context, status=400)


@operator_required
@require_POST
def approve(request, pk: int):
    escalation = get_object_or_404(Escalation.objects.select_related("ticket"), pk=pk)
    form = ApproveForm(request.POST, prefix=f"approve{pk}")
    if not form.is_valid():
        messages.error(request, _("Jawaban tidak boleh kosong."))
        return _back(request, escalation.ticket)
    try:
        services.escalation_approve(
            escalation=escalation, operator=request.user, answer=form.cleaned_data["answer"]
        )
        messages.success(request, _("Jawaban pejabat disetujui dan dikirim ke warga."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(request, escalation.ticket)


@operator_required
@require_POST
def reassign(request, pk: int):
    escalation = get_object_or_404(Escalation.objects.select_related("ticket", "department"), pk=pk)
    form = ReassignForm(request.POST, department=escalation.department, prefix=f"reassign{pk}")
    if form.is_valid():
        try:
            services.escalation_reassign(
                escalation=escalation, official=form.cleaned_data["official"], actor=request.user
            )
            messages.success(request, _("Eskalasi dialihkan."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Pilih pejabat dari bidang yang sama."))
    return _back(request, escalation.ticket)


@operator_required
@require_POST
def cancel(request, pk: int):
    escalation = get_object_or_404(Escalation.objects.select_related("ticket"), pk=pk)
    try:
        services.escalation_cancel(
            escalation=escalation, actor=request.user, note=request.POST.get("note", "")
        )
        messages.success(request, _("Eskalasi dibatalkan."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(request, escalation.ticket)
