"""The audit log (UU PDP: every processing activity is recorded): who viewed which ticket, who exported
what, every change of assignment, status, escalation and permission.

Append-only: rows cannot be changed or deleted through the ORM, and on PostgreSQL a trigger refuses
UPDATE and DELETE as well. Rows keep the actor's name and the ticket's reference as text, so deleting
a user or anonymizing a ticket never rewrites history.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("curhat.audit")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        TICKET_VIEW = "ticket_view", _("Melihat tiket")
        TICKET_ASSIGN = "ticket_assign", _("Mengubah penugasan")
        TICKET_STATUS = "ticket_status", _("Mengubah status")
        TICKET_MERGE = "ticket_merge", _("Menggabungkan tiket")
        CONTACT_MERGE = "contact_merge", _("Menggabungkan kontak")
        ESCALATION = "escalation", _("Eskalasi")
        EXPORT = "export", _("Ekspor data")
        PERMISSION = "permission", _("Mengubah hak akses")
        SUBJECT_EXPORT = "subject_export", _("Ekspor data warga (hak akses)")
        SUBJECT_ERASE = "subject_erase", _("Penghapusan data warga")
        RETENTION = "retention", _("Anonimisasi masa retensi")
        AUDIT_EXPORT = "audit_export", _("Ekspor log audit")

    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # No cascade may touch an audit row (the trigger would refuse it): actor_name keeps the name.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("pelaku"), max_length=150, blank=True)
    action = models.CharField(_("tindakan"), max_length=20, choices=Action.choices, db_index=True)
    ticket_reference = models.CharField(_("tiket"), max_length=20, blank=True, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(_("rincian"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        app_label = "tickets"
        ordering = ("-at", "-id")
        verbose_name = _("log audit")
        verbose_name_plural = _("log audit")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.ticket_reference}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get(getattr(settings, "RATELIMIT_IP_META_KEY", "REMOTE_ADDR")) or request.META.get(
        "REMOTE_ADDR"
    )


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
        ip_address=_client_ip(request),
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
APPEND_ONLY_TRIGGER_REVERSE_SQL = """
DROP TRIGGER IF EXISTS tickets_auditevent_append_only ON tickets_auditevent;
DROP FUNCTION IF EXISTS curhat_audit_append_only();
"""
