"""Reads of personal data are audit-logged (UU PDP), on every path: the inbox, the officials' pages,
the data-subject tool and the API (session or token).

A read is recorded as ``ticket_view`` ("Melihat tiket") with what was read (``read``: ticket,
messages, contact, escalation, attachment, subject_search) and how (``via``: web or api) in the
detail. Values searched for are not recorded: the audit log must not become an index of NIKs.

Polls (the inbox list's and the ticket page's) are audited when they return personal data (new rows,
new messages: their ids), never when they return nothing new, so an idle screen does not fill the log.
Helpers that repeat the same data of one ticket for each keystroke (the canned answers, filled with
the citizen's name) are audited once per ticket, user and ``READ_AGAIN_AFTER`` (:func:`audit_read_once`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tickets.models import AuditEvent
from tickets.privacy.audit import audit_record

READ_AGAIN_AFTER = dt.timedelta(minutes=10)


def audit_read(request, what: str, *, ticket=None, obj=None, **detail: Any) -> AuditEvent:
    via = "api" if request.path.startswith("/api/") else "web"
    return audit_record(
        action=AuditEvent.Action.TICKET_VIEW,
        ticket=ticket,
        obj=obj,
        detail={"read": what, "via": via, **detail},
        request=request,
    )


def audit_read_once(request, what: str, *, ticket, **detail: Any) -> AuditEvent | None:
    """``audit_read`` unless this user's same read of this ticket was recorded in the last
    ``READ_AGAIN_AFTER`` (the row written then, or None)."""
    recent = AuditEvent.objects.filter(
        action=AuditEvent.Action.TICKET_VIEW,
        ticket_reference=ticket.reference,
        actor_id=request.user.pk,
        at__gte=timezone.now() - READ_AGAIN_AFTER,
        detail__read=what,
    )
    if recent.exists():
        return None
    return audit_read(request, what, ticket=ticket, **detail)


class AuditedAdminReads:
    """Django admin mix-in for models holding personal data: each list page and each object page an
    admin opens is audit-logged (the objects' ids; the ticket when the object belongs to one), and so
    are the object's history (its change messages name the fields and the object) and its delete
    confirmation (the object and everything that would go with it)."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        label = self.model._meta.label_lower  # type: ignore[attr-defined]
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            audit_read(request, f"admin:{label}:list", ids=[obj.pk for obj in changelist.result_list])
        elif response.status_code == 200 and "deletable_objects" in context:
            # The "delete selected" action's confirmation page: the objects and all that goes with them.
            ids = [obj.pk for obj in context.get("queryset") or ()]
            audit_read(request, f"admin:{label}:delete_selected", ids=ids)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        original = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and original is not None:
            from tickets.models import Ticket

            ticket = original if isinstance(original, Ticket) else getattr(original, "ticket", None)
            label = self.model._meta.label_lower  # type: ignore[attr-defined]
            audit_read(request, f"admin:{label}", ticket=ticket, obj=original)
        return response

    def _audit_object_page(self, request, response, view: str, object_id) -> None:
        if request.method != "GET" or response.status_code != 200:
            return
        context = getattr(response, "context_data", None) or {}
        shown = context.get("object")
        if shown is None:
            shown = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if shown is None:
            return
        from tickets.models import Ticket

        ticket = shown if isinstance(shown, Ticket) else getattr(shown, "ticket", None)
        label = self.model._meta.label_lower  # type: ignore[attr-defined]
        audit_read(request, f"admin:{label}:{view}", ticket=ticket, obj=shown)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)  # type: ignore[misc]
        self._audit_object_page(request, response, "history", object_id)
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        self._audit_object_page(request, response, "delete", object_id)
        return response
