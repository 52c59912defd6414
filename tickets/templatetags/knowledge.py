"""``{% knowledge_answers ticket %}``: the inbox's "insert requirements" panel for a ticket."""

from __future__ import annotations

from django import template

from tickets.knowledge import entry_render_for_channel, knowledge_entries
from tickets.models import TopicSuggestion

register = template.Library()


@register.inclusion_tag("tickets/knowledge/_answers.html")
def knowledge_answers(ticket, target: str = "textarea[name=body]") -> dict:
    """Every published entry rendered for the ticket's channel, the classifier's suggestion first.
    Needs ``static/js/knowledge-insert.js`` on the page for the insert buttons."""
    suggestion = TopicSuggestion.objects.filter(ticket=ticket).select_related("topic", "entry").first()
    suggested = suggestion.entry if suggestion else None
    entries = sorted(knowledge_entries(), key=lambda entry: suggested is None or entry.pk != suggested.pk)
    return {
        "answers": [
            {"entry": entry, "text": entry_render_for_channel(entry, ticket.channel)} for entry in entries
        ],
        "suggestion": suggestion,
        "suggested": suggested,
        "target": target,
    }
