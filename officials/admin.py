from django.contrib import admin

from tickets.models import Department, Official
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
class EscalationAdmin(AuditedAdminReads, admin.ModelAdmin):
    inlines = [EscalationEventInline]
    list_display = ("ticket", "department", "official", "status", "created_at", "due_at", "answered_at")
    list_filter = ("status", "department")
    search_fields = ("ticket__reference", "question", "answer")
    raw_id_fields = ("ticket", "official", "requested_by", "answered_by")
