"""Citizens: a contact and the normalized addresses (identities) it writes from."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from curhat.choices import ChoiceDisplayMixin


class Contact(models.Model):
    """A citizen. One contact may write from several identities (phone, e-mail, Messenger)."""

    name = models.CharField(_("nama"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("digabung ke"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("kontak")
        verbose_name_plural = pgettext_lazy("jamak", "kontak")

    def __str__(self) -> str:
        return self.name or f"Kontak #{self.pk}"


class ContactIdentity(ChoiceDisplayMixin, models.Model):
    """A normalized address a contact can be reached at: E.164 phone (WhatsApp, calls, SMS share
    it), lower-cased e-mail, or a Messenger page-scoped id."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Telepon/WhatsApp")
        EMAIL = "email", _("Email")
        FACEBOOK_PSID = "facebook_psid", _("Facebook Messenger")
        WHATSAPP_USER = "whatsapp_user", _("Pengguna WhatsApp (tanpa nomor)")
        # The app-scoped Facebook user id (Facebook Login, Meta's data-deletion callback): not a
        # channel; recorded by an admin so that Meta's deletion request can find the person.
        FACEBOOK_ASID = "facebook_asid", _("ID Facebook khusus aplikasi")

    contact = models.ForeignKey(
        Contact, verbose_name=_("kontak"), on_delete=models.CASCADE, related_name="identities"
    )
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    value = models.CharField(_("nilai"), max_length=254)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    # When the provider's profile (a Messenger user's name) was last asked for this identity; empty:
    # not yet. Drives the profile worker and its sweeper (channels.profiles).
    profile_checked_at = models.DateTimeField(_("profil diperiksa pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("identitas kontak")
        verbose_name_plural = pgettext_lazy("jamak", "identitas kontak")
        constraints = [models.UniqueConstraint(fields=("kind", "value"), name="identity_unique_kind_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"
