"""Requirement pages for citizens, and the JSON operators use to insert an entry into a reply."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tickets.knowledge.entries import (
    entry_render_email,
    entry_render_whatsapp,
    knowledge_entries,
    knowledge_entries_by_topic,
    knowledge_entry_get,
    lines,
)
from tickets.models import KnowledgeEntry, Ticket, TopicSuggestion
from tickets.roles import can_use_inbox


@require_GET
def knowledge_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tickets/knowledge/index.html",
        {"groups": knowledge_entries_by_topic(), "office_name": settings.CURHAT_OFFICE_NAME},
    )


@require_GET
def knowledge_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entry = knowledge_entry_get(slug=slug)
    if entry is None:
        raise Http404("Layanan tidak ditemukan")
    related = knowledge_entries().filter(topic=entry.topic).exclude(pk=entry.pk) if entry.topic_id else []
    return render(
        request,
        "tickets/knowledge/detail.html",
        {
            "entry": entry,
            "checklist": lines(entry.checklist),
            "forms": lines(entry.forms),
            "legal_basis": lines(entry.legal_basis),
            "service_time": lines(entry.service_time),
            "notes": lines(entry.notes),
            "related": related,
            "office_name": settings.CURHAT_OFFICE_NAME,
        },
    )


def _is_operator(request: HttpRequest) -> bool:
    """Inserting answers (and a ticket's suggestion) is the inbox's business: operators and admins."""
    return can_use_inbox(request.user)


def _answer(entry: KnowledgeEntry) -> dict:
    subject, email_body = entry_render_email(entry)
    return {
        "slug": entry.slug,
        "title": entry.title,
        "topic": entry.topic.code if entry.topic else None,
        "unconfirmed": entry.unconfirmed,
        "whatsapp": entry_render_whatsapp(entry),
        "email_subject": subject,
        "email": email_body,
        "url": entry.get_absolute_url(),
    }


@require_GET
def knowledge_answers_json(request: HttpRequest) -> JsonResponse:
    """Every published entry rendered for insertion; ``?ticket=<id>`` puts the classifier's
    suggestion for that ticket first (``suggested``)."""
    if not _is_operator(request):
        return JsonResponse({"error": "Hanya untuk petugas."}, status=403)
    entries = list(knowledge_entries())
    suggested = None
    ticket_id = request.GET.get("ticket", "")
    if ticket_id:
        if not ticket_id.isdigit():
            return JsonResponse({"error": "Parameter ticket harus berupa angka."}, status=400)
        suggestion = (
            TopicSuggestion.objects.filter(ticket_id=int(ticket_id)).select_related("entry").first()
            if Ticket.objects.filter(pk=int(ticket_id)).exists()
            else None
        )
        if suggestion is not None and suggestion.entry is not None:
            suggested = suggestion.entry.slug
            entries.sort(key=lambda entry: entry.slug != suggested)
    return JsonResponse({"suggested": suggested, "entries": [_answer(entry) for entry in entries]})


@require_GET
def knowledge_answer_json(request: HttpRequest, slug: str) -> JsonResponse:
    if not _is_operator(request):
        return JsonResponse({"error": "Hanya untuk petugas."}, status=403)
    entry = knowledge_entry_get(slug=slug)
    if entry is None:
        return JsonResponse({"error": "Layanan tidak ditemukan."}, status=404)
    return JsonResponse(_answer(entry))
