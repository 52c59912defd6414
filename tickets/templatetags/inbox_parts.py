"""``{% render_part part %}``: a piece another app added to the ticket page
(``tickets.inbox.extensions.Part``), rendered as ``{% include part.template %}`` with the part's
context added to the page's would be."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def render_part(context, part) -> str:
    included = context.template.engine.get_template(part.template)
    with context.push(**part.context):
        return included.render(context)
