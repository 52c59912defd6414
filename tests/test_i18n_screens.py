"""English mode leaves no Indonesian behind (issue 16, round 2): the officials' queue tabs were
translated once at import (module-level gettext), the report's basis title not at all. The office's
own export format (the xlsx/csv title, "PERIODE ...") stays in Bahasa Indonesia."""

from __future__ import annotations

import pytest
from django.utils import translation

from reports import exports

from .factories import staff_user
from .officials.conftest import office  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _english(client, user):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_officials_queue_tabs_follow_the_language(client, office):  # noqa: F811
    page = _english(client, office["capil"].user).get("/pejabat/").content.decode()
    assert '<html lang="en">' in page
    for english in ("Awaiting answer", "Awaiting approval", "Returned", "Answered"):
        assert english in page
    for indonesian in ("Menunggu jawaban", "Menunggu persetujuan", "Dikembalikan", ">Dijawab<"):
        assert indonesian not in page


def test_the_reports_basis_title_follows_the_language(client, office):  # noqa: F811
    admin = staff_user("kepala", group="admin", superuser=True)
    page = _english(client, admin).get("/laporan/").content.decode()
    assert "counted from tickets" in page and "dihitung dari tiket" not in page
    page = client.get("/laporan/", {"sumber": "historis"}).content.decode()
    assert "dihitung dari tiket" not in page and "bukan hitungan sistem" not in page


def test_the_office_export_title_stays_indonesian():
    with translation.override("en"):
        assert str(exports.BASIS_TITLES["sistem"]) == "counted from tickets"
        assert exports.basis_title_office("sistem") == "dihitung dari tiket"
