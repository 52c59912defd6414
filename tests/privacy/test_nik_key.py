"""The NIK index's own key (issue #15, item 7): CURHAT_NIK_HASH_KEY, not SECRET_KEY; required in
production; ``manage.py nik_rehash`` moves stored hashes to a new key."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.factories import inbound, staff_user
from tests.support import ROOT
from tests.test_settings import PRODUCTION_ENV, _clean_env
from tickets.ingest import ticket_ingest
from tickets.models import NumberMention
from tickets.privacy.nik import number_digest
from tickets.privacy.subjects import SubjectQuery, subject_contacts
from tickets.reference_data import reference_data_seed

NIK = "7372014507900001"
OLD_KEY = "old-nik-key-" + "o" * 40
NEW_KEY = "new-nik-key-" + "n" * 40


def test_the_digest_follows_the_nik_key_not_the_secret_key(settings):
    settings.CURHAT_NIK_HASH_KEY = OLD_KEY
    before = number_digest(NIK)
    settings.SECRET_KEY = "rotated-" + "s" * 60
    assert number_digest(NIK) == before
    settings.CURHAT_NIK_HASH_KEY = NEW_KEY
    assert number_digest(NIK) != before


@pytest.mark.django_db
def test_search_by_nik_survives_a_secret_key_rotation(settings):
    reference_data_seed()
    ticket = ticket_ingest(message=inbound(sender="081288880001", text=f"NIK {NIK}")).ticket
    settings.SECRET_KEY = "rotated-" + "s" * 60
    assert [c.pk for c in subject_contacts(query=SubjectQuery(nik=NIK))] == [ticket.contact_id]


def _ticket_indexed_under(settings, key: str, sender: str, text: str):
    settings.CURHAT_NIK_HASH_KEY = key
    return ticket_ingest(message=inbound(sender=sender, text=text)).ticket


@pytest.mark.django_db
def test_nik_rehash_moves_every_hash_to_the_new_key(settings, tmp_path):
    reference_data_seed()
    first = _ticket_indexed_under(settings, OLD_KEY, "081288880002", f"NIK saya {NIK}")
    second = _ticket_indexed_under(
        settings, OLD_KEY, "081288880003", "KK 7372010101200003, NIK 7372031201850002"
    )
    # A message indexed before the finder knew slashes: nothing indexed for it yet.
    third = _ticket_indexed_under(settings, OLD_KEY, "081288880004", "Halo")
    message = third.messages.get()
    message.body = "NIK 7372/0145/0790/0001"
    message.save(update_fields=["body"])
    settings.CURHAT_NIK_HASH_KEY = NEW_KEY
    assert subject_contacts(query=SubjectQuery(nik=NIK)) == []  # the new key finds nothing yet
    key_file = tmp_path / "old-key"
    key_file.write_text(OLD_KEY + "\n")

    call_command("nik_rehash", "--old-key-file", str(key_file))

    found = {c.pk for c in subject_contacts(query=SubjectQuery(nik=NIK))}
    assert found == {first.contact_id, third.contact_id}
    assert [c.pk for c in subject_contacts(query=SubjectQuery(nik="7372031201850002"))] == [second.contact_id]
    stored = set(NumberMention.objects.values_list("digest", flat=True))
    assert number_digest(NIK, key=OLD_KEY) not in stored and number_digest(NIK, key=NEW_KEY) in stored
    count = NumberMention.objects.count()
    call_command("nik_rehash", "--old-key-file", str(key_file))  # a second run changes nothing
    assert (
        NumberMention.objects.count() == count
        and set(NumberMention.objects.values_list("digest", flat=True)) == stored
    )


@pytest.mark.django_db
def test_nik_rehash_with_the_wrong_old_key_changes_nothing(settings, tmp_path):
    reference_data_seed()
    _ticket_indexed_under(settings, OLD_KEY, "081288880005", f"NIK {NIK}")
    settings.CURHAT_NIK_HASH_KEY = NEW_KEY
    before = list(NumberMention.objects.values_list("pk", "digest"))
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-old-key-" + "w" * 40)
    with pytest.raises(CommandError, match="tidak cocok dengan satu pun"):
        call_command("nik_rehash", "--old-key-file", str(wrong))
    assert list(NumberMention.objects.values_list("pk", "digest")) == before


@pytest.mark.django_db
def test_upgrading_from_hashes_keyed_with_the_secret_key(settings):
    """Releases before CURHAT_NIK_HASH_KEY keyed the hashes with SECRET_KEY."""
    reference_data_seed()
    ticket = _ticket_indexed_under(settings, settings.SECRET_KEY, "081288880006", f"NIK {NIK}")
    settings.CURHAT_NIK_HASH_KEY = NEW_KEY
    call_command("nik_rehash", "--old-key-is-secret-key")
    assert [c.pk for c in subject_contacts(query=SubjectQuery(nik=NIK))] == [ticket.contact_id]
    staff_user("adm", group="admin")  # nothing else needed: the command needs no user


def _check(tmp_path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=_clean_env(CURHAT_DATA_DIR=str(tmp_path), **env),
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_its_own_nik_hash_key(tmp_path):
    without = {k: v for k, v in PRODUCTION_ENV.items() if k != "CURHAT_NIK_HASH_KEY"}
    result = _check(tmp_path, **without)  # refused as the settings load, not only by a check
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
    assert "CURHAT_NIK_HASH_KEY" in result.stderr
    published = "dev-only-nik-hash-key-curhat-adminduk-do-not-use-in-production"  # in the settings
    dev = _check(tmp_path, **{**without, "CURHAT_NIK_HASH_KEY": published})
    assert dev.returncode != 0 and "tickets.E013" in dev.stderr
    same = _check(tmp_path, **{**without, "CURHAT_NIK_HASH_KEY": PRODUCTION_ENV["DJANGO_SECRET_KEY"]})
    assert same.returncode != 0 and "tickets.E012" in same.stderr
    short = _check(tmp_path, **{**without, "CURHAT_NIK_HASH_KEY": "short"})
    assert short.returncode != 0 and "tickets.E011" in short.stderr
    key_file = tmp_path / "nik-key"
    key_file.write_text("file-nik-key-" + "f" * 40 + "\n")
    ok = _check(tmp_path, **{**without, "CURHAT_NIK_HASH_KEY_FILE": str(key_file)})
    assert ok.returncode == 0, ok.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = _check(tmp_path, **{**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "x" * 49})
    assert result.returncode != 0 and "at least 50 characters" in result.stderr
    assert (
        _check(
            tmp_path, **{**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "x" * 30 + "Zq8!x@v#2Lm$9Pw%4Rt^6"}
        ).returncode
        == 0
    )
