"""Issue 18's tester: the "admin" group had no Django permissions, so an admin (not a superuser) saw
an empty admin site. seed_office (every release) gives the group its model permissions; records kept
as evidence stay read-only."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from channels.models import InboundEvent
from tests.factories import channel_account, inbound, staff_user
from tickets.ingest import ticket_ingest
from tickets.models import AuditEvent, CannedAnswer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    call_command("seed_office", stdout=open(__import__("os").devnull, "w"))  # noqa: SIM115
    client.force_login(staff_user("admin.kantor", group="admin"))
    return client


def test_an_admin_group_member_works_in_the_admin(admin_client):
    ticket = ticket_ingest(message=inbound(sender="6281200000077")).ticket
    for name in (
        "tickets_ticket",
        "tickets_contact",
        "tickets_cannedanswer",
        "tickets_topic",
        "officials_escalation",
    ):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "/admin/tickets/ticket/" in index and "/admin/tickets/cannedanswer/" in index
    assert admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).status_code == 200
    response = admin_client.post(
        reverse("admin:tickets_cannedanswer_add"),
        {"title": "Syarat KK", "body": "Bawa KK lama dan surat nikah.", "is_active": "on"},
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # the form wanted more fields: the page itself is allowed
        assert b"errornote" in response.content or b"errorlist" in response.content
    else:
        assert CannedAnswer.objects.filter(title="Syarat KK").exists()
    # Not around the erasure flow: no deleting tickets in the admin.
    assert admin_client.get(reverse("admin:tickets_ticket_delete", args=[ticket.pk])).status_code == 403


def test_read_only_records_stay_read_only_for_the_admin_group(admin_client):
    event = InboundEvent.objects.create(
        provider="meta_whatsapp", account=channel_account("meta_whatsapp", "wa-admin"), body=b"{}"
    )
    audit = AuditEvent.objects.create(action=AuditEvent.Action.TICKET_VIEW, actor_name="uji", object_id="1")
    assert admin_client.get(reverse("admin:channels_inboundevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:tickets_auditevent_changelist")).status_code == 200
    for url in (
        reverse("admin:channels_inboundevent_change", args=[event.pk]),
        reverse("admin:tickets_auditevent_change", args=[audit.pk]),
    ):
        assert admin_client.post(url, {"reason": "diubah", "actor_name": "palsu"}).status_code == 403, url
    for url in (
        reverse("admin:channels_inboundevent_delete", args=[event.pk]),
        reverse("admin:tickets_auditevent_delete", args=[audit.pk]),
    ):
        assert admin_client.post(url, {"post": "yes"}).status_code == 403, url
    assert admin_client.get(reverse("admin:channels_inboundevent_add")).status_code == 403
    # Nor may an admin hand out accounts or rights (a superuser's business).
    assert admin_client.get(reverse("admin:auth_user_add")).status_code == 403
