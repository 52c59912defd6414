"""``{% knowledge_answers ticket %}``: the inbox's "insert requirements" panel for a ticket."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from tickets.models import TopicSuggestion
from tickets.refdata import refdata

register = template.Library()


@register.inclusion_tag("tickets/knowledge/_answers.html")
def knowledge_answers(ticket, target: str = "textarea[name=body]") -> dict:
    """Every published entry rendered for the ticket's channel, the classifier's suggestion first.
    Needs ``static/js/knowledge-insert.js`` on the page for the insert buttons."""
    suggestion = TopicSuggestion.objects.filter(ticket=ticket).select_related("topic").first()
    entries = list(refdata("knowledge"))
    # Only a published entry is suggested: the panel can insert nothing else.
    suggested = next((e for e in entries if suggestion and e["pk"] == suggestion.entry_id), None)
    entries.sort(key=lambda entry: entry is not suggested)
    text = "email" if ticket.channel == "email" else "chat"
    badge = format_html('<span class="kb-badge">{}</span>', gettext("perlu dicek kantor"))
    # The items as one fragment (a template loop cost more than the rest of the panel).
    items = [
        format_html(
            '<li{}>\n  <button type="button" class="kb-insert" data-kb-slug="{slug}">{title}</button>\n'
            '  {badge}\n  <textarea hidden readonly class="kb-text" data-kb-slug="{slug}">{text}</textarea>\n</li>',
            mark_safe(' class="kb-suggested"') if entry is suggested else "",
            slug=entry["slug"],
            title=entry["title"],
            badge=badge if entry["unconfirmed"] else "",
            text=entry[text],
        )
        for entry in entries
    ]
    return {
        "items": mark_safe("\n".join(items)),  # noqa: S308 (each item escaped by format_html)
        "suggestion": suggestion,
        "suggested": suggested,
        "target": target,
    }
