"""Issue 15 item 4: the audit log is tamper-evident on every backend.

Each row carries sha256(its canonical fields + the previous row's hash). Tampering is done for real,
with SQL as the tables' owner would (on PostgreSQL the owner first disables the append-only trigger),
and ``manage.py audit_verify``, the system check and the admin's list must name the first broken row.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import threading

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from tickets.models import AuditEvent
from tickets.models.privacy import AUDIT_GENESIS_HASH
from tickets.privacy.audit import audit_record
from tickets.privacy.chain import audit_chain_check, audit_chain_verify

from ..factories import staff_user

ON_POSTGRES = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _in_english():
    """The reports below are read in English (the command speaks Indonesian by default: see
    test_the_command_speaks_indonesian_by_default)."""
    with translation.override("en"):
        yield


def _rows(n: int) -> list[AuditEvent]:
    actor = staff_user("auditor.uji")
    return [
        audit_record(
            action=AuditEvent.Action.EXPORT, actor=actor, detail={"what": "tiket.csv", "n": i, "ok": True}
        )
        for i in range(n)
    ]


def _tamper(sql: str, params=()) -> None:
    """Change the table as its owner can: on PostgreSQL with the append-only trigger disabled."""
    with transaction.atomic(), connection.cursor() as cursor:
        if ON_POSTGRES:
            cursor.execute("ALTER TABLE tickets_auditevent DISABLE TRIGGER tickets_auditevent_append_only")
        cursor.execute(sql, params)
        if ON_POSTGRES:
            cursor.execute("ALTER TABLE tickets_auditevent ENABLE TRIGGER tickets_auditevent_append_only")


def _verify_command(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), err.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_rows_are_chained_and_the_intact_chain_verifies():
    rows = _rows(4)
    assert rows[0].prev_hash == AUDIT_GENESIS_HASH
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash and len(after.hash) == 64
    code, text = _verify_command()
    assert code == 0 and text.startswith("OK: ") and f"head {rows[-1].pk}:{rows[-1].hash}" in text
    assert audit_chain_check(databases=["default"]) == []


@pytest.mark.django_db
def test_an_edited_detail_is_the_first_broken_link():
    rows = _rows(5)
    _tamper("UPDATE tickets_auditevent SET detail = %s WHERE id = %s", ['{"what": "tally"}', rows[2].pk])
    report = audit_chain_verify()
    assert (report.ok, report.broken_id) == (False, rows[2].pk)
    assert "edited" in report.problem
    code, text = _verify_command()
    assert code == 1 and f"BROKEN at audit row id {rows[2].pk}" in text
    errors = audit_chain_check(databases=["default"])
    assert [e.id for e in errors] == ["tickets.W020"] and str(rows[2].pk) in errors[0].msg


@pytest.mark.django_db
def test_an_edited_actor_name_is_reported_too():
    rows = _rows(3)
    _tamper("UPDATE tickets_auditevent SET actor_name = 'orang.lain' WHERE id = %s", [rows[0].pk])
    assert audit_chain_verify().broken_id == rows[0].pk


@pytest.mark.django_db
def test_a_deleted_row_breaks_the_link_of_the_row_after_it():
    rows = _rows(5)
    _tamper("DELETE FROM tickets_auditevent WHERE id = %s", [rows[1].pk])
    report = audit_chain_verify()
    assert (report.ok, report.broken_id) == (False, rows[2].pk)
    assert "deleted, inserted or reordered" in report.problem


@pytest.mark.django_db
def test_reordered_rows_are_reported_at_the_first_moved_one():
    rows = _rows(5)
    a, b = rows[1].pk, rows[2].pk
    _tamper("UPDATE tickets_auditevent SET id = %s WHERE id = %s", [-1, a])
    _tamper("UPDATE tickets_auditevent SET id = %s WHERE id = %s", [a, b])
    _tamper("UPDATE tickets_auditevent SET id = %s WHERE id = %s", [b, -1])
    report = audit_chain_verify()
    assert (report.ok, report.broken_id) == (False, a)


@pytest.mark.django_db
def test_rows_cut_off_the_end_are_caught_against_a_recorded_head():
    rows = _rows(4)
    head = f"{rows[-1].pk}:{rows[-1].hash}"
    _tamper("DELETE FROM tickets_auditevent WHERE id >= %s", [rows[2].pk])
    assert audit_chain_verify().ok  # a shorter chain is still a chain ...
    code, text = _verify_command("--expect-head", head)
    assert code == 1 and "cut off the end" in text  # ... but not the one recorded


def _append_as_the_app_role(at) -> AuditEvent:
    """What the app's database role can do with its INSERT grant: append a row that chains correctly
    to the head, with any content and any time (a plain INSERT, no help from AuditEvent.save)."""
    from django.db import models

    from tickets.models.privacy import audit_hash

    head = AuditEvent.objects.order_by("-id").first()
    event = AuditEvent(at=at, actor_name="operator.lama", action="ticket_view", ticket_reference="T-1")
    event.detail = {"read": "ticket"}
    event.prev_hash = head.hash if head else AUDIT_GENESIS_HASH
    event.hash = audit_hash(event.hashed_values(), event.prev_hash)
    models.Model.save(event)
    return event


@pytest.mark.django_db
def test_a_backdated_row_appended_by_the_app_role_is_reported():
    rows = _rows(3)
    assert audit_chain_verify().ok
    backdated = _append_as_the_app_role(rows[-1].at - dt.timedelta(days=30))
    report = audit_chain_verify()
    assert (report.ok, report.broken_id) == (False, backdated.pk)
    assert "backdated" in report.problem
    code, text = _verify_command()
    assert code == 1 and f"id {backdated.pk}" in text


@pytest.mark.django_db
def test_a_future_dated_row_is_refused_and_reported_and_never_lifts_later_rows():
    """brk15: the app's role appended one row dated a year ahead with a valid hash; every genuine row
    after it took that time and audit_verify said OK. PostgreSQL refuses the INSERT (trigger); where a
    row got in anyway (SQLite, or a table restored without the trigger) audit_verify reports it, and
    later rows keep the clock's time."""
    from django.db import DatabaseError
    from django.utils import timezone

    _rows(2)
    future = timezone.now() + dt.timedelta(days=365)
    if ON_POSTGRES:
        with pytest.raises(DatabaseError, match="future"), transaction.atomic():
            _append_as_the_app_role(future)
        assert audit_chain_verify().ok
        with transaction.atomic(), connection.cursor() as cursor:  # as if restored without the trigger
            cursor.execute("ALTER TABLE tickets_auditevent DISABLE TRIGGER tickets_auditevent_no_future")
            forged = _append_as_the_app_role(future)
            cursor.execute("ALTER TABLE tickets_auditevent ENABLE TRIGGER tickets_auditevent_no_future")
    else:
        forged = _append_as_the_app_role(future)
    report = audit_chain_verify()
    assert (report.ok, report.broken_id) == (False, forged.pk) and "future" in report.problem
    code, text = _verify_command()
    assert code == 1 and f"id {forged.pk}" in text

    genuine = audit_record(action=AuditEvent.Action.EXPORT)
    genuine.refresh_from_db()
    assert genuine.at <= timezone.now()  # not lifted to the forged time
    with pytest.raises(ValueError, match="future"):
        AuditEvent(action="export", actor_name="sistem", at=future).save()


@pytest.mark.django_db
def test_a_row_written_with_an_earlier_time_takes_the_heads_time():
    """A writer that took its time before another's row but got the lock after it (or a clock that
    went back) keeps the chain's times in order: the row takes the head's time."""
    rows = _rows(2)
    late = AuditEvent(action="export", actor_name="sistem", at=rows[-1].at - dt.timedelta(seconds=5))
    late.save()
    late.refresh_from_db()
    assert late.at == rows[-1].at
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_the_orm_refuses_bulk_changes_and_deletes():
    _rows(2)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(action="export").update(actor_name="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_create([AuditEvent(action="export")])
    event = AuditEvent.objects.first()
    event.actor_name = "x"
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_update([event], ["actor_name"])
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.count() == 2 and audit_chain_verify().ok


@pytest.mark.django_db
def test_the_admin_list_warns_of_a_broken_chain(client):
    client.force_login(staff_user("root.audit", superuser=True))
    assert "RUSAK" not in client.get("/admin/tickets/auditevent/").content.decode()
    rows = _rows(3)
    _tamper("UPDATE tickets_auditevent SET ticket_reference = 'CA-2099-000001' WHERE id = %s", [rows[1].pk])
    body = client.get("/admin/tickets/auditevent/").content.decode()
    assert f"Rantai hash log audit RUSAK mulai baris id {rows[1].pk}" in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """(PostgreSQL: the test database of SQLite is in memory, shared by threads through one cache and
    locked per table; a file database serializes writers with BEGIN IMMEDIATE.)
    Several threads (each its own database connection) append at once, each row in a transaction
    that does a little more work after the audit row, as real callers do."""
    writers, per_writer = 6, 15
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    audit_record(action=AuditEvent.Action.TICKET_VIEW, detail={"writer": n, "i": i})
                    AuditEvent.objects.count()
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    report = audit_chain_verify()
    assert report.ok, report.describe()
    assert report.rows == writers * per_writer
    hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(hashes)) == len(hashes), "two rows share a predecessor: the chain forked"


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_rows_written_before_it():
    executor = MigrationExecutor(connection)
    executor.migrate([("tickets", "0007_office_models")])
    apps = MigrationExecutor(connection).loader.project_state([("tickets", "0007_office_models")]).apps
    OldEvent = apps.get_model("tickets", "AuditEvent")
    for i in range(3):
        OldEvent.objects.create(action="export", actor_name="lama", detail={"i": i}, ip_address="10.0.0.1")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    report = audit_chain_verify()
    assert report.ok and report.rows == 3
    audit_record(action=AuditEvent.Action.EXPORT)
    assert audit_chain_verify().rows == 4 and audit_chain_verify().ok


@pytest.mark.django_db
def test_the_command_speaks_indonesian_by_default():
    """Issue 18's tester: audit_verify was the one command answering in English."""
    rows = _rows(3)
    with translation.override("id"):
        code, text = _verify_command()
        assert code == 0 and text.startswith("OK: 3 baris audit, rantainya utuh; kepala ")
        _tamper("UPDATE tickets_auditevent SET detail = %s WHERE id = %s", ['{"what": "x"}', rows[1].pk])
        code, text = _verify_command()
        assert code == 1 and f"RUSAK pada baris audit id {rows[1].pk}: " in text and "diubah" in text
