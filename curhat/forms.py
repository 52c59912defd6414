"""Form fields shared by the apps."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """Reads the choices with one ordinary query. Django's own iterator streams them through a
    server-side cursor on PostgreSQL (DECLARE ... WITH HOLD, FETCH, CLOSE: four round trips and a
    materialised result per select), which is meant for long lists; ours are short (departments,
    topics, officials, operators), and a page with two selects spent more on those cursors than on
    the rest of its SQL."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # the form's own copy of the queryset (a field is copied per form)
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    """``forms.ModelChoiceField`` for short lists (see ``ListedChoiceIterator``)."""

    iterator = ListedChoiceIterator
