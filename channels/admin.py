from django.contrib import admin

from .models import ChannelAccount, InboundEvent, MailboxState


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "channel", "provider", "address", "is_active")
    list_filter = ("channel", "provider", "is_active")
    search_fields = ("name", "slug", "address")


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("id", "provider", "account", "received_at", "outcome", "reason")
    list_filter = ("provider", "outcome")
    search_fields = ("reason",)
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in InboundEvent._meta.fields]

    # What a provider sent is evidence (and what reprocessing reads): viewable, never edited or deleted.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MailboxState)
class MailboxStateAdmin(admin.ModelAdmin):
    list_display = ("account", "folder", "uidvalidity", "last_uid", "last_polled_at", "last_error")
    readonly_fields = ("uidvalidity", "last_uid", "last_polled_at", "last_error")
