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
    admin opens is audit-logged (the objects' ids; the ticket when the object belongs to one)."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and response.status_code == 200 and changelist is not None:
            label = self.model._meta.label_lower  # type: ignore[attr-defined]
            audit_read(request, f"admin:{label}:list", ids=[obj.pk for obj in changelist.result_list])
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
