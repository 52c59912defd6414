"""``get_FOO_display()`` at the cost of a dictionary lookup.

Django's own implementation rebuilds a dictionary of every choice on each call, and building it
hashes each lazily translated label, which translates it: a page that shows the channel and status
of 50 messages translated some 2,000 labels to show 150. Models with choice fields shown in lists
mix this in; the labels come out exactly as Django's (same lazy objects, resolved in the active
language at call time).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.utils.encoding import force_str

# field -> {stored value: label}; choices are declared in code, so a field's map never changes.
_LABELS: dict[Field, dict[Any, Any]] = {}


def choice_labels(field: Field) -> dict[Any, Any]:
    labels = _LABELS.get(field)
    if labels is None:
        labels = _LABELS[field] = {value: label for value, label in field.flatchoices}
    return labels


class ChoiceDisplayMixin:
    def _get_FIELD_display(self, field: Field) -> Any:
        value = getattr(self, field.attname)
        try:
            label = choice_labels(field).get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        return force_str(label, strings_only=True)
