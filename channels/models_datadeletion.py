"""A data-deletion request from Meta (channels.datadeletion): what the status page shows."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataDeletionRequest(models.Model):
    """One call of Meta's data-deletion callback. Keeps no user id in clear: a keyed hash of it, the
    confirmation code Meta shows the person, and what the erasure did."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Diterima, menunggu diproses")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal, akan dicoba lagi")

    confirmation_code = models.CharField(max_length=32, unique=True)
    account = models.ForeignKey(
        "channels.ChannelAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_digest = models.CharField(max_length=64, db_index=True)
    # sha256 of the signed_request as received: the same request again (a replay, or Meta retrying)
    # answers with this row's code and erases nothing twice.
    request_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    contacts_found = models.PositiveIntegerField(default=0)
    tickets_erased = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "channels"
        verbose_name = _("permintaan penghapusan data (Meta)")
        verbose_name_plural = _("permintaan penghapusan data (Meta)")

    def __str__(self) -> str:
        return f"{self.confirmation_code} {self.status}"
