import csv
import io
import json

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext as _

from tickets.inbox.services import ticket_status_stamps
from tickets.knowledge import admin as knowledge_admin  # noqa: F401  (registers the knowledge base's admin)
from tickets.models import (
    Attachment,
    AuditEvent,
    CannedAnswer,
    Contact,
    ContactIdentity,
    DeliveryAttempt,
    Message,
    RetentionPolicy,
    Ticket,
    Topic,
)
from tickets.privacy.audit import audit_record
from tickets.privacy.cells import cells
from tickets.privacy.chain import audit_chain_verify
from tickets.privacy.reads import AuditedAdminReads


def _plain(value):
    """A field's value as the audit row keeps it (a related object by its id)."""
    return getattr(value, "pk", value) if value is not None else None


class AuditedAdminChanges:
    """Every change saved in the admin to the fields named in ``audited_fields`` (field -> audit
    action) leaves an audit row (UU PDP: who changed what, when), with the old and new values; a
    deletion too. The inbox's own changes are audited where they are made (tickets.inbox)."""

    audited_fields: dict[str, str] = {}

    def _audit_ticket(self, obj):
        return obj

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            if stored is not None:
                before = {name: _plain(getattr(stored, name)) for name in self.audited_fields}
        super().save_model(request, obj, form, change)
        by_action: dict[str, dict] = {}
        for name, action in self.audited_fields.items():
            old, new = before.get(name), _plain(getattr(obj, name))
            if change and old == new:
                continue
            if not change and new in (None, ""):
                continue
            by_action.setdefault(action, {})[name] = [
                old if old is None or isinstance(old, int | str) else str(old),
                new if new is None or isinstance(new, int | str) else str(new),
            ]
        for action, changes in by_action.items():
            audit_record(
                action=action,
                ticket=self._audit_ticket(obj),
                obj=obj,
                detail={"via": "admin", "created": not change, "changes": changes},
                request=request,
            )

    def delete_model(self, request, obj):
        audit_record(
            action=self.audit_delete_action,
            ticket=self._audit_ticket(obj),
            obj=obj,
            detail={"via": "admin", "deleted": True},
            request=request,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    audit_delete_action = AuditEvent.Action.TICKET_STATUS


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "department", "sort_order", "is_active")
    list_filter = ("is_active", "department")
    list_editable = ("sort_order", "is_active")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class ContactIdentityInline(admin.TabularInline):
    model = ContactIdentity
    extra = 0


@admin.register(Contact)
class ContactAdmin(AuditedAdminReads, admin.ModelAdmin):
    list_display = ("__str__", "created_at")
    search_fields = ("name", "identities__value")
    inlines = [ContactIdentityInline]
    raw_id_fields = ("merged_into",)


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("created_at", "direction", "kind", "channel", "status", "body", "author")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # messages come from citizens, operators and officials, not from the admin


@admin.register(Ticket)
class TicketAdmin(AuditedAdminChanges, AuditedAdminReads, admin.ModelAdmin):
    list_display = (
        "reference",
        "contact",
        "channel",
        "topic",
        "department",
        "status",
        "assignee",
        "created_at",
    )
    list_filter = ("status", "channel", "topic", "department")
    search_fields = ("reference", "contact__name", "contact__identities__value")
    date_hierarchy = "created_at"
    raw_id_fields = ("contact", "assignee", "merged_into", "account")
    # The channel is the one the citizen used (the tally's column, where replies go): not editable.
    readonly_fields = (
        "reference",
        "channel",
        "created_at",
        "last_activity_at",
        "last_inbound_at",
        "first_response_at",
    )
    list_select_related = ("contact", "topic", "department", "assignee")
    inlines = [MessageInline]
    audited_fields = {
        "status": AuditEvent.Action.TICKET_STATUS,
        "assignee": AuditEvent.Action.TICKET_ASSIGN,
        "department": AuditEvent.Action.TICKET_ASSIGN,
    }

    def save_model(self, request, obj, form, change):
        # A status changed here sets the same timestamps as the inbox's status buttons (closed_at,
        # resolved_at: the after-closing grace rule and the reports rely on them), unless the
        # timestamps themselves were edited in the same form.
        if "status" in form.changed_data and not {"closed_at", "resolved_at"} & set(form.changed_data):
            ticket_status_stamps(obj)
        super().save_model(request, obj, form, change)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("original_name", "content_type", "size", "download_status", "download_error")
    readonly_fields = fields
    can_delete = False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    fields = (
        "number",
        "started_at",
        "finished_at",
        "outcome",
        "http_status",
        "error_code",
        "error_text",
        "variant",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(AuditedAdminReads, admin.ModelAdmin):
    """Messages, newest first, to look at only. Every message is a record: what a citizen wrote
    (inbound), what the office sent (outbound, with its delivery attempts) and the operators' notes.
    None can be added, edited or deleted here; corrections happen in the inbox, erasure through the
    retention and privacy tools."""

    list_display = ("id", "ticket", "direction", "kind", "channel", "provider", "status", "created_at")
    list_filter = ("direction", "status", "channel", "provider", "kind")
    search_fields = ("ticket__reference", "provider_message_id")
    raw_id_fields = ("ticket", "author", "account")
    list_select_related = ("ticket",)
    ordering = ("-created_at", "-id")
    inlines = [AttachmentInline, DeliveryAttemptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CannedAnswer)
class CannedAnswerAdmin(admin.ModelAdmin):
    list_display = ("title", "topic", "shortcut", "is_active", "updated_at")
    list_filter = ("is_active", "topic")
    search_fields = ("title", "body", "shortcut")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: read-only, filterable, exportable (the export itself is audited)."""

    list_display = (
        "at",
        "actor_name",
        "action",
        "ticket_reference",
        "object_type",
        "object_id",
        "ip_address",
    )
    list_filter = ("action", "at")
    search_fields = ("actor_name", "ticket_reference", "object_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = ["export_csv"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # The whole chain is walked (streamed) on each visit of the list: a broken link shows at once.
        report = audit_chain_verify()
        if not report.ok:
            messages.error(
                request,
                _("Rantai hash log audit RUSAK mulai baris id %(id)s: %(problem)s")
                % {"id": report.broken_id, "problem": report.problem},
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Ekspor log audit terpilih (CSV)")
    def export_csv(self, request, queryset):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["waktu", "pelaku", "tindakan", "tiket", "objek", "id", "rincian", "ip"])
        rows = list(queryset.order_by("at", "id"))
        for e in rows:
            writer.writerow(
                cells(
                    [
                        e.at.isoformat(),
                        e.actor_name,
                        e.action,
                        e.ticket_reference,
                        e.object_type,
                        e.object_id,
                        json.dumps(e.detail, ensure_ascii=False),
                        e.ip_address or "",
                    ]
                )
            )
        audit_record(action=AuditEvent.Action.AUDIT_EXPORT, request=request, detail={"rows": len(rows)})
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="log-audit.csv"'
        return response


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("channel", "topic", "days", "note")
    list_filter = ("channel", "topic")
