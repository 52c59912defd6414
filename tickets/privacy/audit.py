"""The audit log (UU PDP: every processing activity is recorded): who viewed which ticket, who exported
what, every change of assignment, status, escalation and permission.

Append-only: rows (:class:`tickets.models.AuditEvent`) cannot be changed or deleted through the ORM,
and on PostgreSQL a trigger refuses UPDATE and DELETE as well (``APPEND_ONLY_TRIGGER_SQL`` below,
installed by migration 0004). Rows keep the actor's name and the ticket's reference as text, so
deleting a user or anonymizing a ticket never rewrites history.
"""

from __future__ import annotations

import logging
from typing import Any

from curhat.clientaddr import client_ip
from tickets.models import AuditEvent

logger = logging.getLogger("curhat.audit")


def audit_record(
    *,
    action: str,
    actor=None,
    ticket=None,
    obj=None,
    detail: dict[str, Any] | None = None,
    request=None,
) -> AuditEvent:
    """Append one event. ``ticket`` (a Ticket) fills the reference; ``obj`` any other model instance."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    event = AuditEvent(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=actor.get_username() if actor is not None and getattr(actor, "pk", None) else "sistem",
        action=action,
        ticket_reference=getattr(ticket, "reference", "") or "",
        object_type=obj._meta.label_lower
        if obj is not None
        else ("tickets.ticket" if ticket is not None else ""),
        object_id=str(obj.pk if obj is not None else (ticket.pk if ticket is not None else "")),
        detail=detail or {},
        ip_address=client_ip(request),  # the site's one reading of it (curhat.clientaddr)
    )
    event.save()
    logger.info("audit %s by %s on %s", action, event.actor_name, event.ticket_reference or event.object_id)
    return event


# PostgreSQL refuses changes to audit rows even from raw SQL (installed by migration).
APPEND_ONLY_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION curhat_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS tickets_auditevent_append_only ON tickets_auditevent;
CREATE TRIGGER tickets_auditevent_append_only BEFORE UPDATE OR DELETE ON tickets_auditevent
    FOR EACH ROW EXECUTE FUNCTION curhat_audit_append_only();
"""
# PostgreSQL refuses an audit row dated ahead of the clock, even from the app's own role (which may
# INSERT): later rows would take its time (installed by migration 0013).
NO_FUTURE_TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION curhat_audit_no_future() RETURNS trigger AS $$
BEGIN
    IF NEW.at > clock_timestamp() + interval '1 minute' THEN
        RAISE EXCEPTION USING MESSAGE = 'an audit row cannot be dated in the future: ' || NEW.at::text;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS tickets_auditevent_no_future ON tickets_auditevent;
CREATE TRIGGER tickets_auditevent_no_future BEFORE INSERT ON tickets_auditevent
    FOR EACH ROW EXECUTE FUNCTION curhat_audit_no_future();
"""
NO_FUTURE_TRIGGER_REVERSE_SQL = """
DROP TRIGGER IF EXISTS tickets_auditevent_no_future ON tickets_auditevent;
DROP FUNCTION IF EXISTS curhat_audit_no_future();
"""
APPEND_ONLY_TRIGGER_REVERSE_SQL = """
DROP TRIGGER IF EXISTS tickets_auditevent_append_only ON tickets_auditevent;
DROP FUNCTION IF EXISTS curhat_audit_append_only();
"""
