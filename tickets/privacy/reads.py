"""Reads of personal data are audit-logged (UU PDP), on every path: the inbox, the officials' pages,
the data-subject tool and the API (session or token).

A read is recorded as ``ticket_view`` ("Melihat tiket") with what was read (``read``: ticket,
messages, contact, escalation, attachment, subject_search) and how (``via``: web or api) in the
detail. Values searched for are not recorded: the audit log must not become an index of NIKs.
"""

from __future__ import annotations

from typing import Any

from tickets.models import AuditEvent
from tickets.privacy.audit import audit_record


def audit_read(request, what: str, *, ticket=None, obj=None, **detail: Any) -> AuditEvent:
    via = "api" if request.path.startswith("/api/") else "web"
    return audit_record(
        action=AuditEvent.Action.TICKET_VIEW,
        ticket=ticket,
        obj=obj,
        detail={"read": what, "via": via, **detail},
        request=request,
    )
