"""Permission changes are audit-logged wherever they are made (admin, shell, API)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from tickets.models import AuditEvent
from tickets.privacy.audit import audit_record

User = get_user_model()
WATCHED_FLAGS = ("is_superuser", "is_staff", "is_active")


@receiver(pre_save, sender=User, dispatch_uid="audit_user_flags")
def _user_flags_changed(sender, instance, **kwargs):
    if instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values(*WATCHED_FLAGS).first()
    if before is None:
        return
    changes = {
        f: [before[f], getattr(instance, f)] for f in WATCHED_FLAGS if before[f] != getattr(instance, f)
    }
    if changes:
        audit_record(
            action=AuditEvent.Action.PERMISSION,
            obj=instance,
            detail={"user": instance.get_username(), **changes},
        )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_user_groups")
def _user_groups_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # group.user_set changed: instance is the Group
        users = list(User.objects.filter(pk__in=pk_set or []).values_list("username", flat=True))
        detail = {"group": instance.name, "users": users, "change": action}
        audit_record(action=AuditEvent.Action.PERMISSION, obj=instance, detail=detail)
        return
    groups = list(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
    detail = {"user": instance.get_username(), "groups": groups, "change": action}
    audit_record(action=AuditEvent.Action.PERMISSION, obj=instance, detail=detail)


@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="audit_user_permissions")
def _user_permissions_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and not reverse:
        detail = {"user": instance.get_username(), "permissions": sorted(pk_set or []), "change": action}
        audit_record(action=AuditEvent.Action.PERMISSION, obj=instance, detail=detail)
