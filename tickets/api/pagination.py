"""Cursor pagination that answers a forged cursor with 400, never a server error.

DRF decodes the cursor (base64 of ``o=…&r=…&p=…``) and hands the position ``p`` straight to the
database as the ordering field's value: a NUL (PostgreSQL refuses it in text), a date that is not a
date, an id past 64 bits, a time with an offset PostgreSQL cannot hold (``+20:00``) or one that leaves
the years 1–9999 in UTC (``0001-01-01T00:00+05:00``) all became 500s. Here the position is checked against the field it stands
for, and every invalid cursor is a 400 naming the parameter.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

INVALID = "kursor tidak valid"
_INT_LIMIT = 2**63
# UTC offsets in use run from -12:00 to +14:00; PostgreSQL refuses more than 15:59, Python allows 23:59.
_MAX_OFFSET = dt.timedelta(hours=14)


class SafeCursorPagination(CursorPagination):
    _model: type[models.Model] | None = None

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: INVALID}) from exc
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        if "\x00" in position:
            raise ValidationError({self.cursor_query_param: INVALID})
        ordering = self.ordering if isinstance(self.ordering, (list, tuple)) else (self.ordering,)
        if self._model is None or not ordering:
            return
        try:
            field = self._model._meta.get_field(ordering[0].lstrip("-"))
        except FieldDoesNotExist:
            return
        if not isinstance(field, models.Field):
            return
        try:
            value = field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError) as exc:
            raise ValidationError({self.cursor_query_param: INVALID}) from exc
        if isinstance(value, int) and not -_INT_LIMIT < value < _INT_LIMIT:
            raise ValidationError({self.cursor_query_param: INVALID})
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            offset = value.utcoffset()
            if offset is None or abs(offset) > _MAX_OFFSET:
                raise ValidationError({self.cursor_query_param: f"{INVALID} (zona waktu di luar jangkauan)"})
            try:
                value.astimezone(dt.UTC)
            except OverflowError as exc:
                raise ValidationError(
                    {self.cursor_query_param: f"{INVALID} (waktu di luar jangkauan)"}
                ) from exc
