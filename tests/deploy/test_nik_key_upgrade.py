"""Upgrading from a release that keyed the NIK/KK index with SECRET_KEY (or changing the NIK key
without nik_rehash) left search and erasure by NIK silently missing every older ticket (issue 18,
outside test). The key that made the stored hashes is recorded; `check` says when it is not
CURHAT_NIK_HASH_KEY and names the command; the docs name --old-key-is-secret-key."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.factories import inbound
from tests.support import ROOT
from tickets.ingest import ticket_ingest
from tickets.models import NikHashKeyRecord
from tickets.privacy.keycheck import nik_hashes_key_check
from tickets.privacy.nik import key_fingerprint
from tickets.privacy.subjects import SubjectQuery, subject_contacts
from tickets.reference_data import reference_data_seed

NIK = "7372014507900001"
NEW_KEY = "new-nik-key-" + "n" * 40
OTHER_KEY = "other-nik-key-" + "o" * 40

pytestmark = pytest.mark.django_db


def _ids(errors) -> list[str]:
    return [e.id for e in errors]


def test_first_hash_records_the_key_and_the_check_is_quiet(settings):
    reference_data_seed()
    settings.CURHAT_NIK_HASH_KEY = NEW_KEY
    ticket_ingest(message=inbound(sender="081288880011", text=f"NIK {NIK}"))
    assert NikHashKeyRecord.objects.get().fingerprint == key_fingerprint(NEW_KEY)
    assert nik_hashes_key_check() == []


@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "before-the-record"])
def test_upgrade_from_secret_key_hashes_is_reported_until_nik_rehash(settings, recorded):
    reference_data_seed()
    settings.CURHAT_NIK_HASH_KEY = settings.SECRET_KEY  # what releases before the NIK key did
    ticket = ticket_ingest(message=inbound(sender="081288880012", text=f"NIK saya {NIK}")).ticket
    if not recorded:
        NikHashKeyRecord.objects.all().delete()  # a release before the record
    settings.CURHAT_NIK_HASH_KEY = NEW_KEY  # the upgrade
    assert subject_contacts(query=SubjectQuery(nik=NIK)) == []  # the silent miss

    errors = nik_hashes_key_check()
    assert _ids(errors) == ["tickets.E014"] and "--old-key-is-secret-key" in errors[0].hint
    with pytest.raises(SystemCheckError, match=r"tickets\.E014"):
        call_command("check")

    call_command("nik_rehash", "--old-key-is-secret-key")
    assert nik_hashes_key_check() == []
    assert [c.pk for c in subject_contacts(query=SubjectQuery(nik=NIK))] == [ticket.contact_id]
    assert NikHashKeyRecord.objects.get().fingerprint == key_fingerprint(NEW_KEY)


@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "before-the-record"])
def test_a_changed_nik_key_without_rehash_is_reported(settings, tmp_path, recorded):
    reference_data_seed()
    settings.CURHAT_NIK_HASH_KEY = OTHER_KEY
    ticket_ingest(message=inbound(sender="081288880013", text=f"NIK {NIK}"))
    if not recorded:
        NikHashKeyRecord.objects.all().delete()
    settings.CURHAT_NIK_HASH_KEY = NEW_KEY
    errors = nik_hashes_key_check()
    assert _ids(errors) == ["tickets.E014"] and "--old-key-file" in errors[0].hint
    key_file = tmp_path / "old-key"
    key_file.write_text(OTHER_KEY)
    call_command("nik_rehash", "--old-key-file", str(key_file))
    assert nik_hashes_key_check() == []


def test_nik_rehash_reports_in_indonesian(settings, tmp_path, capsys):
    reference_data_seed()
    settings.CURHAT_NIK_HASH_KEY = OTHER_KEY
    ticket_ingest(message=inbound(sender="081288880014", text=f"NIK {NIK}"))
    settings.CURHAT_NIK_HASH_KEY = NEW_KEY
    key_file = tmp_path / "old-key"
    key_file.write_text(OTHER_KEY)
    call_command("nik_rehash", "--old-key-file", str(key_file))
    assert "1 hash dipindah ke kunci baru" in capsys.readouterr().out


def test_the_upgrade_docs_and_the_key_hint_name_the_secret_key_rehash(settings):
    readme = (ROOT / "README.md").read_text()
    operations = (ROOT / "docs" / "operations.md").read_text()
    upgrade = operations.split("## 6. Upgrade", 1)[1]
    section1 = operations.split("## 2.", 1)[0]
    for text in (readme, upgrade, section1):
        assert "nik_rehash --old-key-is-secret-key" in text.replace("\n", " ")
    settings.PRODUCTION, settings.CURHAT_NIK_HASH_KEY = True, ""
    from tickets.checks import nik_hash_key_check

    assert "--old-key-is-secret-key" in nik_hash_key_check()[0].hint
