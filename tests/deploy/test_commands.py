"""Management commands speak Indonesian, and tally_rollup on SQLite explains itself and exits 0."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_tally_rollup_on_sqlite_says_why_and_succeeds():
    if connection.vendor == "postgresql":
        pytest.skip("the rollup exists on PostgreSQL (tests/reports/test_tally.py)")
    out = io.StringIO()
    call_command("tally_rollup", "--verify", stdout=out)  # raised CommandError (exit 1) before
    assert "hanya ada di PostgreSQL" in out.getvalue()


@pytest.mark.django_db
def test_command_output_is_indonesian():
    out = io.StringIO()
    call_command("seed_office", stdout=out)
    call_command("seed_knowledge", stdout=out)
    call_command("workday_calendar", stdout=out)
    text = out.getvalue()
    assert "peran +" in text and "entri +" in text and " hari" in text
    for english in ("roles", "departments", "entries", "phrases", "days", "created"):
        assert english not in text, (english, text)
