from django.contrib import admin

from tickets.admin import AuditedAdminChanges
from tickets.models import AuditEvent, Department, Official
from tickets.privacy.reads import AuditedAdminReads

from .models import Escalation, EscalationEvent


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "short_name",
        "code",
        "default_official",
        "answer_needs_approval",
        "service_hours",
    )
    list_filter = ("is_active", "answer_needs_approval")
    search_fields = ("name", "short_name", "code")


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ("__str__", "title", "is_available")
    list_filter = ("is_available", "departments")
    filter_horizontal = ("departments",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "title")


class EscalationEventInline(admin.TabularInline):
    model = EscalationEvent
    extra = 0
    fields = ("created_at", "kind", "actor", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(AuditedAdminChanges, AuditedAdminReads, admin.ModelAdmin):
    """Escalations. Once the official has answered (or the answer was relayed to the citizen) the
    escalation is a record: shown, never edited or deleted here. Any change to an open one is audited."""

    inlines = [EscalationEventInline]
    list_display = ("ticket", "department", "official", "status", "created_at", "due_at", "answered_at")
    list_filter = ("status", "department")
    search_fields = ("ticket__reference", "question", "answer")
    raw_id_fields = ("ticket", "official", "requested_by", "answered_by", "relayed_message")
    # Every field an admin can edit, so a field added later is audited too.
    audited_fields = {
        field.name: AuditEvent.Action.ESCALATION
        for field in Escalation._meta.concrete_fields
        if field.editable and not field.primary_key
    }
    audit_delete_action = AuditEvent.Action.ESCALATION

    def _audit_ticket(self, obj):
        return obj.ticket

    @staticmethod
    def is_record(obj) -> bool:
        return obj is not None and (
            obj.answered_at is not None
            or obj.relayed_message_id is not None
            or obj.status in (Escalation.Status.ANSWERED, Escalation.Status.AWAITING_APPROVAL)
        )

    def has_change_permission(self, request, obj=None):
        return not self.is_record(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.is_record(obj) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        # The list's bulk delete checks the permission without an object: answered ones are kept.
        super().delete_queryset(request, [obj for obj in queryset if not self.is_record(obj)])
