"""/admin/ (issue 16): delivered outbound messages, delivery attempts, inbound events and audit rows are
records, not drafts: no edit, no delete. Every app, model and field the admin shows has a label in
Bahasa Indonesia (and English through i18n); the message list shows the newest first."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import camel_case_to_spaces

from channels.models import InboundEvent
from tickets.ingest import ticket_ingest
from tickets.models import AuditEvent, DeliveryAttempt, Message
from tickets.privacy.audit import audit_record

from .factories import inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.id", "x-Sandi-Panjang-2026")
    client.force_login(user)
    return client


def _outbound(status: str) -> Message:
    ticket = ticket_ingest(message=inbound()).ticket
    message = Message.objects.create(
        ticket=ticket, direction="out", channel="whatsapp", body="Syarat KK: ...", status=status
    )
    DeliveryAttempt.objects.create(message=message, number=1, outcome="sent")
    return message


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _delete_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_delete", args=[obj.pk])


@pytest.mark.parametrize("status", ["sent", "delivered", "read"])
def test_a_delivered_message_cannot_be_edited_or_deleted(admin_client, status):
    message = _outbound(status)
    page = admin_client.get(_change_url(message))
    assert page.status_code == 200  # still viewable
    assert 'name="body"' not in page.content.decode()
    changed = admin_client.post(_change_url(message), {"body": "diubah", "status": "queued"})
    assert changed.status_code == 403
    deleted = admin_client.post(_delete_url(message), {"post": "yes"})
    assert deleted.status_code == 403
    message.refresh_from_db()
    assert message.body == "Syarat KK: ..." and message.status == status
    assert DeliveryAttempt.objects.filter(message=message).count() == 1
    bulk = admin_client.post(
        reverse("admin:tickets_message_changelist"),
        {"action": "delete_selected", "_selected_action": [message.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302, 403)
    assert Message.objects.filter(pk=message.pk).exists()


@pytest.mark.parametrize("kind", ["inbound", "note", "failed", "queued"])
def test_no_message_can_be_edited_added_or_deleted(admin_client, kind):
    """A citizen's message (or a note, or an unsent reply) is a record too (tester, issue 16)."""
    if kind == "inbound":
        message = ticket_ingest(message=inbound(text="KK saya belum jadi")).message
    elif kind == "note":
        ticket = ticket_ingest(message=inbound()).ticket
        message = Message.objects.create(ticket=ticket, direction="note", channel="whatsapp", body="catatan")
    else:
        message = _outbound(kind)
    body, status = message.body, message.status
    page = admin_client.get(_change_url(message))
    assert page.status_code == 200
    assert 'name="body"' not in page.content.decode()
    assert admin_client.post(_change_url(message), {"body": "diubah", "status": "read"}).status_code == 403
    assert admin_client.post(_delete_url(message), {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse("admin:tickets_message_changelist"),
        {"action": "delete_selected", "_selected_action": [message.pk], "post": "yes"},
    )
    assert admin_client.get(reverse("admin:tickets_message_add")).status_code == 403
    message.refresh_from_db()
    assert (message.body, message.status) == (body, status)
    # Nor through the ticket's page: its message rows are shown, not a form.
    ticket_page = admin_client.get(_change_url(message.ticket)).content.decode()
    assert "messages-0-body" not in ticket_page and "messages-__prefix__" not in ticket_page


def test_inbound_events_and_audit_rows_cannot_be_edited_or_deleted(admin_client):
    event = InboundEvent.objects.create(provider="meta_whatsapp", body=b"{}")
    audit_record(action=AuditEvent.Action.AUDIT_EXPORT, detail={"rows": 1})
    entry = AuditEvent.objects.latest("id")
    for obj in (event, entry):
        assert admin_client.get(_change_url(obj)).status_code == 200
        assert admin_client.post(_change_url(obj), {"reason": "x", "actor_name": "x"}).status_code == 403
        assert admin_client.post(_delete_url(obj), {"post": "yes"}).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_the_message_list_shows_the_newest_first(admin_client):
    older = _outbound("sent")
    newer = _outbound("delivered")
    rows = list(admin_client.get(reverse("admin:tickets_message_changelist")).context["cl"].result_list)
    assert rows.index(newer) < rows.index(older)


# --- labels ----------------------------------------------------------------------------------------


def _default_model_name(model) -> str:
    return camel_case_to_spaces(model._meta.object_name)


def _unlabelled(model) -> list[str]:
    """What of ``model`` still shows Django's generated English: the model's names and every field
    the admin can show (auto-created primary keys aside)."""
    meta = model._meta
    found = []
    for attr in ("verbose_name", "verbose_name_plural"):
        if not isinstance(meta.original_attrs.get(attr), Promise):
            found.append(f"{meta.label}.{attr}")
    for field in [*meta.fields, *meta.many_to_many]:
        if isinstance(field, models.AutoField) or field.auto_created:
            continue
        if not isinstance(field.verbose_name, Promise):
            found.append(f"{meta.label}.{field.name}")
    return found


# Labels channels/models.py still owes (edited by another change at the same time as this one; see
# the report for the patch). Listed so the test fails the day they are labelled there: then delete them.
CHANNELS_PENDING: set[str] = set()


def test_every_model_and_field_in_the_admin_is_labelled_for_translation():
    shown = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        shown |= {inline.model for inline in model_admin.inlines}
    unlabelled = {name for model in shown for name in _unlabelled(model)}
    assert unlabelled - CHANNELS_PENDING == set()
    assert unlabelled >= CHANNELS_PENDING, "labelled now: remove from CHANNELS_PENDING " + str(
        CHANNELS_PENDING - unlabelled
    )


def test_every_app_in_the_admin_has_a_translated_name():
    # Ours; Django's own apps and django-axes bring their own translations.
    labels = {model._meta.app_label for model in admin.site._registry} & {
        "tickets",
        "channels",
        "officials",
        "reports",
    }
    assert len(labels) == 4
    for label in labels:
        config = apps.get_app_config(label)
        assert isinstance(config.verbose_name, Promise), label
    with translation.override("en"):
        names = {
            str(apps.get_app_config(label).verbose_name) for label in ("tickets", "officials", "reports")
        }
    with translation.override("id"):
        indonesian = {
            str(apps.get_app_config(label).verbose_name) for label in ("tickets", "officials", "reports")
        }
    assert names.isdisjoint(indonesian)


@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        ("id", ["Upaya pengiriman", "Pejabat", "Laporan", "Pesan"], ["Delivery attempts", "OFFICIALS"]),
        ("en", ["Delivery attempts", "Officials", "Reports", "Messages"], ["Upaya pengiriman"]),
    ],
)
def test_the_admin_speaks_one_language(admin_client, language, present, absent):
    admin_client.post("/i18n/setlang/", {"language": language, "next": "/admin/"})
    message = _outbound("sent")
    pages = (
        admin_client.get("/admin/").content.decode() + admin_client.get(_change_url(message)).content.decode()
    )
    for text in present:
        assert text in pages, text
    for text in absent:
        assert text not in pages, text
