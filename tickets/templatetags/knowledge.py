"""``{% knowledge_answers ticket %}``: the inbox's "insert requirements" panel for a ticket."""

from __future__ import annotations

from django import template

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
    return {
        "answers": [{"entry": entry, "text": entry[text]} for entry in entries],
        "suggestion": suggestion,
        "suggested": suggested,
        "target": target,
    }
