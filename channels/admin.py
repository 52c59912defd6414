from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tickets.privacy.reads import AuditedAdminReads

from .models import ChannelAccount, InboundEvent, MailboxState
from .pipeline import queue_wake_inline


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "channel", "provider", "address", "is_active")
    list_filter = ("channel", "provider", "is_active")
    search_fields = ("name", "slug", "address")


@admin.register(InboundEvent)
class InboundEventAdmin(AuditedAdminReads, admin.ModelAdmin):
    list_display = (
        "id",
        "provider",
        "account",
        "received_at",
        "outcome",
        "attempts",
        "available_at",
        "reason",
    )
    list_filter = ("provider", "outcome")
    search_fields = ("reason",)
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in InboundEvent._meta.fields]
    actions = ["replay"]

    # What a provider sent is evidence (and what reprocessing reads): viewable, never edited or deleted.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Proses ulang kejadian yang galat (setelah perbaikan)"))
    def replay(self, request, queryset):
        """Put events that ended in error back in the queue: the workers apply them again (the ingest
        is idempotent, so whatever was already stored is not doubled)."""
        count = queryset.filter(outcome=InboundEvent.Outcome.ERROR).update(
            outcome=InboundEvent.Outcome.PENDING, available_at=None, processed_at=None
        )
        queue_wake_inline()
        self.message_user(
            request,
            ngettext(
                "%(count)d kejadian masuk antrean lagi.", "%(count)d kejadian masuk antrean lagi.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(MailboxState)
class MailboxStateAdmin(admin.ModelAdmin):
    list_display = ("account", "folder", "uidvalidity", "last_uid", "last_polled_at", "last_error")
    readonly_fields = ("uidvalidity", "last_uid", "last_polled_at", "last_error")
