"""API reads of personal data are audit-logged (tickets.privacy.reads), for session and token alike.

A view set mixes in :class:`AuditedReads` and names what it serves (``audit_name``); every successful
GET of a list, an object or a ``audit_actions`` action then leaves one audit row naming the objects
the answer carried (ids, never their content).
"""

from __future__ import annotations

from typing import Any

from tickets.models import Ticket
from tickets.privacy.reads import audit_read


class AuditedReads:
    audit_name: str = ""
    audit_actions: tuple[str, ...] = ()

    def get_object(self):
        obj = super().get_object()  # type: ignore[misc]
        self._audit_object = obj
        return obj

    def audit_target(self, obj) -> dict[str, Any]:
        """The ticket (and other object) a read concerns, for the audit row."""
        if isinstance(obj, Ticket):
            return {"ticket": obj}
        ticket = getattr(obj, "ticket", None)
        return {"ticket": ticket, "obj": obj} if ticket is not None else {"obj": obj}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        action = getattr(self, "action", None)
        if request.method == "GET" and 200 <= response.status_code < 300:
            if action == "list":
                rows = response.data.get("results", []) if isinstance(response.data, dict) else response.data
                audit_read(request, f"{self.audit_name}_list", ids=[row.get("id") for row in rows or []])
            elif action == "retrieve" or action in self.audit_actions:
                what = self.audit_name if action == "retrieve" else f"{self.audit_name}_{action}"
                obj = getattr(self, "_audit_object", None)
                detail: dict[str, Any] = {}
                if action != "retrieve" and isinstance(response.data, dict):
                    detail["ids"] = [row.get("id") for row in response.data.get("results", [])]
                audit_read(request, what, **(self.audit_target(obj) if obj is not None else {}), **detail)
        return response
