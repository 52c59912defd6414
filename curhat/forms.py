"""Form fields shared by the apps."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """Reads the choices with one ordinary query. Django's own iterator streams them through a
    server-side cursor on PostgreSQL (DECLARE ... WITH HOLD, FETCH, CLOSE: four round trips and a
    materialised result per select), which is meant for long lists; ours are short (departments,
    topics, officials, operators), and a page with two selects spent more on those cursors than on
    the rest of its SQL."""

    def _objects(self) -> Iterable:
        listed = getattr(self.field, "listed", None)
        # The form's own copy of the queryset (a field is copied per form), or the cached list.
        return listed() if listed is not None else self.queryset

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._objects():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(list(self._objects())) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(list(self._objects()))


class ModelChoiceField(forms.ModelChoiceField):
    """``forms.ModelChoiceField`` for short lists (see ``ListedChoiceIterator``).

    ``listed``, if given, returns the objects to offer, the same ones as the queryset (typically
    from ``tickets.refdata``'s cache): the form then renders without a query; what is submitted is
    still checked against the queryset."""

    iterator = ListedChoiceIterator

    def __init__(self, *args, listed: Callable[[], Iterable] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.listed = listed
