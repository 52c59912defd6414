"""Knowledge base (syarat) and topic detection.

Requirement checklists per service, their edit history, the classifier's phrase table and what it
suggested per ticket, and the canned answers operators insert (every entry keeps one in step). All of
it is data the office edits in the admin (domain.md: rules change and offices differ);
tickets/knowledge/entries.py seeds it and renders it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .messages import Message
from .office import Department
from .tickets import Ticket, Topic


class CannedAnswer(models.Model):
    """A saved answer operators insert in one click. ``{nama}`` and ``{nomor_tiket}`` are filled in."""

    title = models.CharField(_("judul"), max_length=200)
    body = models.TextField(_("isi"))
    topic = models.ForeignKey(
        Topic, verbose_name=_("topik"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shortcut = models.SlugField(_("pintasan"), max_length=40, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        ordering = ("title",)
        verbose_name = _("jawaban tersimpan")
        verbose_name_plural = pgettext_lazy("jamak", "jawaban tersimpan")

    def __str__(self) -> str:
        return self.title


class KnowledgeEntry(models.Model):
    """One service's requirements (syarat): what to bring, which forms, the legal basis, fee, time."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("judul"), max_length=200)
    summary = models.CharField(_("ringkasan"), max_length=300, blank=True)
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topik"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("bidang"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge",
    )
    checklist = models.TextField(_("persyaratan"), help_text=_("Satu syarat per baris."))
    forms = models.TextField(_("formulir"), blank=True, help_text=_("Satu formulir per baris."))
    legal_basis = models.TextField(_("dasar hukum"), blank=True, help_text=_("Satu peraturan per baris."))
    fee = models.CharField(_("biaya"), max_length=200, default="Gratis")
    service_time = models.TextField(_("waktu layanan"), blank=True)
    notes = models.TextField(_("catatan"), blank=True, help_text=_("Satu catatan per baris."))
    unconfirmed = models.BooleanField(
        _("perlu dicek kantor"),
        default=False,
        help_text=_("Sumber belum pasti atau saling bertentangan; kantor perlu memastikan isinya."),
    )
    unconfirmed_note = models.TextField(_("yang perlu dicek"), blank=True)
    is_primary = models.BooleanField(
        _("jawaban utama topik"),
        default=False,
        help_text=_("Dikirim dalam balasan otomatis bila topik terdeteksi tanpa rincian layanan."),
    )
    is_published = models.BooleanField(_("tampil di situs"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("urutan"), default=100)
    canned_answer = models.OneToOneField(
        CannedAnswer,
        verbose_name=_("jawaban tersimpan"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="knowledge",
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diubah oleh"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("sort_order", "title")
        verbose_name = _("persyaratan layanan")
        verbose_name_plural = pgettext_lazy("jamak", "persyaratan layanan")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("knowledge:detail", args=[self.slug])
        except NoReverseMatch:  # the root URLconf does not include tickets.knowledge.urls (yet)
            return f"/persyaratan/{self.slug}/"


class KnowledgeRevision(models.Model):
    """A saved version of an entry: who changed what, when, and the whole entry as it then was."""

    entry = models.ForeignKey(
        KnowledgeEntry,
        verbose_name=_("persyaratan layanan"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    number = models.PositiveIntegerField(_("revisi"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("waktu"), default=timezone.now)
    changed_fields = models.JSONField(_("kolom diubah"), default=list, blank=True)
    snapshot = models.JSONField(_("isi"), default=dict)
    comment = models.CharField(_("keterangan"), max_length=200, blank=True)

    class Meta:
        ordering = ("entry", "-number")
        verbose_name = _("revisi persyaratan")
        verbose_name_plural = pgettext_lazy("jamak", "revisi persyaratan")
        constraints = [
            models.UniqueConstraint(fields=("entry", "number"), name="knowledge_revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} r{self.number}"


class ClassifierPhrase(models.Model):
    """One clue for topic detection: a normalized phrase and how much it counts for a topic.

    Syntax (after normalization, see tickets/knowledge/classifier.py): ``kk hilang`` = these words in a row;
    ``ktpel + hilang`` = all of these words anywhere in the message; ``*hilang*`` = a word containing
    "hilang" (``kehilangan``). Negative weights count against the topic.
    """

    topic = models.ForeignKey(
        Topic, verbose_name=_("topik"), on_delete=models.CASCADE, related_name="phrases"
    )
    entry = models.ForeignKey(
        KnowledgeEntry,
        verbose_name=_("layanan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phrases",
        help_text=_("Bila diisi, frasa ini juga memilih persyaratan yang dikirim."),
    )
    phrase = models.CharField(_("frasa"), max_length=120)
    weight = models.FloatField(_("bobot"), default=1.0)
    is_active = models.BooleanField(_("aktif"), default=True)
    note = models.CharField(_("catatan"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        ordering = ("topic", "-weight", "phrase")
        verbose_name = _("frasa klasifikasi")
        verbose_name_plural = pgettext_lazy("jamak", "frasa klasifikasi")
        constraints = [models.UniqueConstraint(fields=("topic", "phrase"), name="classifier_phrase_unique")]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.topic_id} ({self.weight:+g})"


class TopicSuggestion(models.Model):
    """What the classifier made of a ticket's first message, and whether it was applied."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("tiket"), on_delete=models.CASCADE, related_name="topic_suggestion"
    )
    message = models.ForeignKey(
        Message, verbose_name=_("pesan"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topik"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry = models.ForeignKey(
        KnowledgeEntry,
        verbose_name=_("layanan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confidence = models.FloatField(_("keyakinan"), default=0.0)
    scores = models.JSONField(_("skor"), default=dict, blank=True)
    matched = models.JSONField(_("kata yang cocok"), default=list, blank=True)
    applied = models.BooleanField(_("diterapkan"), default=False)
    ack_message = models.ForeignKey(
        Message,
        verbose_name=_("pesan balasan otomatis"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)

    class Meta:
        verbose_name = _("saran topik")
        verbose_name_plural = pgettext_lazy("jamak", "saran topik")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.topic_id} ({self.confidence:.2f})"
