"""The embedded default's demo data: staff who can sign in, departments, and consultations on every channel."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from curhat.demo.office import DEMO_USERS
from officials.models import Escalation
from tickets.models import Channel, Department, Message, Official, Ticket, Topic

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_a_working_office(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    for user in DEMO_USERS:
        assert f"{user.username}" in out and user.password in out
    assert set(Department.objects.values_list("code", flat=True)) == {
        "dafduk",
        "capil",
        "piak",
        "pdip",
        "sekretariat",
    }
    assert Topic.objects.filter(code="akta-kelahiran", department__code="capil").exists()
    channels = set(Ticket.objects.values_list("channel", flat=True))
    assert channels >= {
        Channel.WHATSAPP,
        Channel.WHATSAPP_CALL,
        Channel.PHONE,
        Channel.EMAIL,
        Channel.FACEBOOK,
        Channel.WEBSITE,
    }
    assert Ticket.objects.count() >= 30
    # Multi-message conversations, answers, and escalations waiting for officials.
    assert Ticket.objects.filter(messages__direction="in").distinct().count() == Ticket.objects.count()
    assert Message.objects.filter(direction="out").count() >= 10
    assert Escalation.objects.filter(status="open").count() >= 5
    assert (
        Ticket.objects.filter(status=Ticket.Status.WAITING_OFFICIAL).count()
        == Escalation.objects.values("ticket").distinct().count()
    )
    # Every department has a default official who belongs to it.
    for department in Department.objects.all():
        assert department.default_official is not None
        assert department in department.default_official.departments.all()
    assert Official.objects.count() == 5


def test_demo_users_can_sign_in_and_seeding_twice_is_harmless(client):
    call_command("seed_demo")
    call_command("seed_demo", "--if-empty")
    count = Ticket.objects.count()
    call_command("seed_demo", "--if-empty")
    assert Ticket.objects.count() == count
    assert get_user_model().objects.filter(username="admin").count() == 1
    response = client.post("/masuk/", {"username": "operator", "password": "curhat-operator-demo"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code in (200, 302)


def test_login_page_is_indonesian_and_home_page_renders(client):
    assert "Masuk petugas" in client.get("/masuk/").content.decode()
    home = client.get("/")
    assert home.status_code == 200 and "CURHAT ADMINDUK" in home.content.decode()


def test_seed_office_is_idempotent_and_keeps_admin_edits():
    call_command("seed_office")
    Topic.objects.filter(code="kk").update(name="KK (diubah admin)")
    call_command("seed_office")
    assert Topic.objects.get(code="kk").name == "KK (diubah admin)"
    assert Department.objects.count() == 5
