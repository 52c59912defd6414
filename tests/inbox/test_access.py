"""Login, roles and lockout: operators reach the inbox, officials do not, brute force is stopped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tickets.roles import is_admin, is_official, is_operator

from ..factories import staff_user
from .conftest import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.inbox.urls")]


def test_roles_come_from_groups_and_superuser_is_admin(operator, official):
    boss = staff_user("kepala", superuser=True)
    assert is_operator(operator) and not is_official(operator) and not is_admin(operator)
    assert is_official(official) and not is_operator(official)
    assert is_admin(boss) and not is_operator(boss)


def test_anonymous_is_sent_to_login(client, seeded):
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_official_gets_403_on_every_inbox_page(client, official):
    ticket = make_ticket()
    client.force_login(official)
    assert client.get(reverse("inbox:list")).status_code == 403
    assert client.get(reverse("inbox:ticket", args=[ticket.pk])).status_code == 403
    assert client.post(reverse("inbox:note", args=[ticket.pk]), {"body": "x"}).status_code == 403
    assert ticket.messages.filter(direction="note").count() == 0


def test_staff_without_role_gets_403(client, seeded):
    client.force_login(staff_user("tanpaperan"))
    assert client.get(reverse("inbox:list")).status_code == 403


def test_admin_may_use_the_inbox(client, seeded):
    client.force_login(staff_user("admin1", group="admin"))
    assert client.get(reverse("inbox:list")).status_code == 200


def test_home_sends_operators_to_the_inbox(op_client):
    response = op_client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("inbox:list")


def test_login_then_inbox(client, operator):
    response = client.post(
        reverse("login"), {"username": "operator1", "password": "rahasia-uji-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("inbox:list")
    assert response.status_code == 200


def test_sixth_bad_login_is_refused_with_an_indonesian_message(client, operator):
    url = reverse("login")
    for _attempt in range(4):
        response = client.post(
            url, {"username": "operator1", "password": "salah-sekali"}, REMOTE_ADDR="10.0.0.7"
        )
        assert response.status_code == 200  # the form again, with its error
    # AXES_FAILURE_LIMIT = 5: the fifth failure locks the account...
    fifth = client.post(url, {"username": "operator1", "password": "salah-sekali"}, REMOTE_ADDR="10.0.0.7")
    assert fifth.status_code == 429
    # ...and the sixth attempt is refused outright, in Indonesian.
    locked = client.post(url, {"username": "operator1", "password": "salah-sekali"}, REMOTE_ADDR="10.0.0.7")
    assert locked.status_code == 429
    assert "Akun terkunci sementara" in locked.content.decode()
    # Even the right password is refused while locked out.
    again = client.post(url, {"username": "operator1", "password": "rahasia-uji-123"}, REMOTE_ADDR="10.0.0.7")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
