"""Checking the audit log's hash chain (tickets.models.privacy: each row's ``hash`` is sha256 over its
canonical fields and the previous row's hash, rows in id order).

A row edited in place no longer gives its own hash; a row deleted, inserted or moved leaves the next
row's ``prev_hash`` pointing at a hash that is not the one before it. ``audit_chain_verify`` walks the
whole log once (streamed) and reports the first such link. Cutting rows off the end leaves a shorter
chain that is still valid: compare the head it reports (last id and hash) with one recorded earlier,
outside the database (``manage.py audit_verify --expect-head ID:HASH``).

The app's database role may INSERT (it writes the log), so it can append a row with a valid hash and
any content. A row it backdates shows: times never go back along the chain (rows take the head's
time if theirs is earlier, under the chain's lock), so a row whose time is more than
``TIME_TOLERANCE`` before the previous row's is reported. (The tolerance admits rows written before
that rule, by writers racing for the lock.) A row dated ahead of the clock (by more than
``AUDIT_FUTURE_SKEW``) is reported too: it would otherwise hide rows backdated behind it (PostgreSQL
refuses such rows by a trigger, AuditEvent.save everywhere). A row appended with the current time cannot
be told from a real one by the chain: see docs/threat-model.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import AuditEvent
from tickets.models.privacy import AUDIT_FUTURE_SKEW, AUDIT_GENESIS_HASH, AUDIT_HASHED_FIELDS, audit_hash

TIME_TOLERANCE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    head_id: int | None = None
    head_hash: str = ""
    broken_id: int | None = None
    problem: str = ""

    def describe(self) -> str:
        """One line in the active language (Indonesian; English through the catalogue)."""
        if self.ok:
            head = (
                _("; kepala %(id)s:%(hash)s") % {"id": self.head_id, "hash": self.head_hash}
                if self.head_id is not None
                else ""
            )
            return _("OK: %(rows)d baris audit, rantainya utuh") % {"rows": self.rows} + head
        return _("RUSAK pada baris audit id %(id)s: %(problem)s") % {
            "id": self.broken_id,
            "problem": self.problem,
        }


def audit_chain_verify(*, using: str = "default", expect_head: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain in id order; the first broken link, or OK with the head (last id and hash)."""
    prev_hash, prev_id, prev_at, rows = AUDIT_GENESIS_HASH, None, None, 0
    columns = ("id", "prev_hash", "hash", *AUDIT_HASHED_FIELDS)
    queryset = AuditEvent.objects.using(using).order_by("id").values(*columns)
    expected_seen = False
    latest = timezone.now() + AUDIT_FUTURE_SKEW
    for row in queryset.iterator(chunk_size=2000):
        rows += 1
        if row["prev_hash"] != prev_hash:
            where = _("baris %(id)s") % {"id": prev_id} if prev_id is not None else _("awal log")
            return ChainReport(
                False,
                rows,
                broken_id=row["id"],
                problem=_(
                    "prev_hash %(got)s… bukan hash %(where)s (%(want)s…): baris sebelumnya dihapus, "
                    "disisipkan atau diubah urutannya"
                )
                % {"got": row["prev_hash"][:12], "where": where, "want": prev_hash[:12]},
            )
        if audit_hash(row, row["prev_hash"]) != row["hash"]:
            return ChainReport(
                False,
                rows,
                broken_id=row["id"],
                problem=_("isinya tidak lagi menghasilkan hash yang tersimpan: baris itu diubah"),
            )
        if prev_at is not None and row["at"] < prev_at - TIME_TOLERANCE:
            return ChainReport(
                False,
                rows,
                broken_id=row["id"],
                problem=(
                    f"its time {row['at'].isoformat()} is before the time of row {prev_id} "
                    f"({prev_at.isoformat()}): a row appended later with an earlier time (backdated)"
                ),
            )
        if row["at"] > latest:
            return ChainReport(
                False,
                rows,
                broken_id=row["id"],
                problem=_(
                    "waktunya %(at)s di masa depan: baris yang ditanggalkan ke depan (baris sesudahnya "
                    "akan ikut waktunya dan menyembunyikan baris yang ditanggalkan mundur)"
                )
                % {"at": row["at"].isoformat()},
            )
        if expect_head is not None and row["id"] == expect_head[0]:
            if row["hash"] != expect_head[1]:
                return ChainReport(
                    False, rows, broken_id=row["id"], problem=_("hash-nya berbeda dari kepala yang dicatat")
                )
            expected_seen = True
        prev_hash, prev_id, prev_at = row["hash"], row["id"], row["at"]
    if expect_head is not None and not expected_seen:
        return ChainReport(
            False,
            rows,
            broken_id=expect_head[0],
            problem=_("baris kepala yang dicatat hilang: baris-baris dipotong dari ujung log"),
        )
    return ChainReport(True, rows, head_id=prev_id, head_hash=prev_hash if prev_id is not None else "")


@checks.register(checks.Tags.database)
def audit_chain_check(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """``manage.py check --database default`` (and migrate) warn about a broken audit chain. A warning,
    not an error: one row the app role appends with a wrong hash must not stop ``migrate`` (and with it
    every service of a compose deployment) until the evidence is removed; ``audit_verify`` exits 1."""
    found: list[checks.CheckMessage] = []
    for alias in databases or ():
        try:
            report = audit_chain_verify(using=alias)
        except DatabaseError:  # not migrated yet: nothing to check
            continue
        if not report.ok:
            found.append(
                checks.Warning(
                    _("Rantai hash log audit putus (%(alias)s): %(report)s")
                    % {"alias": alias, "report": report.describe()},
                    hint=_(
                        "Jalankan `manage.py audit_verify`, simpan salinan tabel audit sebagai bukti dan "
                        "cari tahu siapa yang mengubahnya."
                    ),
                    id="tickets.W020",
                )
            )
    return found
