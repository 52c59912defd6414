"""Admin for the knowledge base: entries with their revision history, the classifier's phrase table
(weights editable in the list), and the suggestions it made. Imported by tickets/admin.py."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tickets.knowledge.classifier import message_classify, normalize_phrase
from tickets.knowledge.entries import canned_answer_sync, knowledge_entry_save
from tickets.models import ClassifierPhrase, KnowledgeEntry, KnowledgeRevision, TopicSuggestion


class KnowledgeRevisionInline(admin.TabularInline):
    model = KnowledgeRevision
    extra = 0
    fields = ("number", "created_at", "author", "changed_fields", "comment", "revision_link")
    readonly_fields = fields
    can_delete = False
    show_change_link = False
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("isi"))
    def revision_link(self, revision: KnowledgeRevision) -> str:
        return format_html('<a href="../../../knowledgerevision/{}/change/">{}</a>', revision.pk, _("lihat"))


class ClassifierPhraseInline(admin.TabularInline):
    model = ClassifierPhrase
    extra = 0
    fields = ("phrase", "topic", "weight", "is_active", "note")


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "topic",
        "department",
        "unconfirmed",
        "is_primary",
        "is_published",
        "updated_at",
        "updated_by",
    )
    list_filter = ("unconfirmed", "is_published", "topic", "department")
    search_fields = ("title", "slug", "checklist", "notes")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("updated_at", "updated_by", "canned_answer")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "summary",
                    "topic",
                    "department",
                    "is_primary",
                    "is_published",
                    "sort_order",
                )
            },
        ),
        (_("Persyaratan"), {"fields": ("checklist", "forms", "legal_basis", "fee", "service_time", "notes")}),
        (_("Konfirmasi"), {"fields": ("unconfirmed", "unconfirmed_note")}),
        (_("Riwayat"), {"fields": ("updated_at", "updated_by", "canned_answer")}),
    )
    inlines = [KnowledgeRevisionInline, ClassifierPhraseInline]
    actions = ["refresh_canned_answers"]

    def save_model(self, request, obj, form, change) -> None:
        # Every save is a revision (who/when/what); the canned answer follows the entry.
        knowledge_entry_save(entry=obj, author=request.user, comment="" if change else "Dibuat di admin")

    @admin.action(description=_("Perbarui jawaban tersimpan dari persyaratan terpilih"))
    def refresh_canned_answers(self, request, queryset) -> None:
        for entry in queryset:
            canned_answer_sync(entry=entry)
        self.message_user(
            request, _("%(n)d jawaban tersimpan diperbarui.") % {"n": queryset.count()}, messages.SUCCESS
        )


@admin.register(KnowledgeRevision)
class KnowledgeRevisionAdmin(admin.ModelAdmin):
    list_display = ("entry", "number", "created_at", "author", "changed_fields", "comment")
    list_filter = ("entry",)
    readonly_fields = (
        "entry",
        "number",
        "created_at",
        "author",
        "changed_fields",
        "comment",
        "snapshot_pretty",
    )
    exclude = ("snapshot",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # history is not rewritten; viewing needs only the view permission

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("isi"))
    def snapshot_pretty(self, revision: KnowledgeRevision) -> str:
        return format_html("<pre>{}</pre>", json.dumps(revision.snapshot, ensure_ascii=False, indent=2))


PHRASE_HELP = _(
    "Ditulis seperti pesan warga, lalu dinormalkan (huruf kecil, ejaan chat: akte→akta, e-ktp→ktpel, "
    "gak→tidak). 'kk hilang' = kata-kata berurutan; 'ktp + hilang' = semua kata ada di pesan, urutan "
    "bebas; '*hilang*' = kata yang mengandung 'hilang' (kehilangan). Skor topik = jumlah bobot frasa "
    "yang cocok; bobot negatif mengurangi."
)


class ClassifierPhraseForm(forms.ModelForm):
    class Meta:
        model = ClassifierPhrase
        fields = ("topic", "entry", "phrase", "weight", "is_active", "note")
        help_texts = {"phrase": PHRASE_HELP}


@admin.register(ClassifierPhrase)
class ClassifierPhraseAdmin(admin.ModelAdmin):
    form = ClassifierPhraseForm
    list_display = ("phrase", "topic", "entry", "weight", "is_active", "note", "updated_at")
    list_editable = ("weight", "is_active")
    list_filter = ("topic", "is_active")
    search_fields = ("phrase", "note")
    list_select_related = ("topic", "entry")
    readonly_fields = ("normalized",)

    @admin.display(description=_("bentuk yang dicocokkan"))
    def normalized(self, phrase: ClassifierPhrase) -> str:
        return normalize_phrase(phrase.phrase) if phrase.pk else "-"


@admin.register(TopicSuggestion)
class TopicSuggestionAdmin(admin.ModelAdmin):
    list_display = ("ticket", "topic", "entry", "confidence", "applied", "created_at")
    list_filter = ("applied", "topic")
    search_fields = ("ticket__reference",)
    raw_id_fields = ("ticket", "message", "ack_message")
    readonly_fields = (
        "ticket",
        "message",
        "topic",
        "entry",
        "confidence",
        "scores",
        "matched",
        "applied",
        "ack_message",
        "created_at",
        "reclassified",
    )

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("klasifikasi ulang dengan bobot saat ini"))
    def reclassified(self, suggestion: TopicSuggestion) -> str:
        if suggestion.message is None:
            return "-"
        result = message_classify(text=suggestion.message.body)
        return f"{result.topic or '-'} ({result.confidence:.2f}); {', '.join(m['phrase'] for m in result.matched)}"
