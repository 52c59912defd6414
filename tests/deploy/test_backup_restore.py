"""docs/operations.md's backup and restore, done for real (issue 18): tickets, messages and
attachments stored through the app, pg_dump and the upload folder taken, restored into a fresh
database and folder, every ticket, message and attachment (its file too) found again."""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
import zlib

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.factories import inbound, staff_user
from tickets.inbound import InboundAttachment
from tickets.ingest import ticket_ingest
from tickets.models import Attachment, Message, Ticket

pytestmark = [pytest.mark.postgres]


def _png(seed: int) -> bytes:
    """A valid 1x1 PNG whose pixel differs per seed (distinct files, distinct hashes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        import struct

        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00" + bytes([seed % 256, (seed * 7) % 256, (seed * 13) % 256])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _conninfo(dbname: str) -> dict:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "dbname": dbname,
    }


def _pg(*args: str) -> None:
    db = connection.settings_dict
    subprocess.run(
        [*args, "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_a_restored_backup_holds_every_ticket_message_and_attachment(transactional_db, client, tmp_path):
    from tickets.reference_data import reference_data_seed

    reference_data_seed()
    for n in range(4):
        ticket_ingest(
            message=inbound(
                sender=f"62812000001{n:02d}",
                text=f"Pesan {n}: syarat KK?",
                attachments=(
                    InboundAttachment(filename=f"ktp-{n}.png", content_type="image/png", content=_png(n)),
                ),
            )
        )
    operator = staff_user(group="operator")
    client.force_login(operator)
    first = Ticket.objects.order_by("pk").first()
    client.post(reverse("inbox:reply", args=[first.pk]), {"body": "Baik, kami bantu.", "channel": ""})
    tickets = set(Ticket.objects.values_list("reference", flat=True))
    messages = set(Message.objects.values_list("pk", "body"))
    attachments = {a.file.name: a.sha256 for a in Attachment.objects.exclude(file="")}
    assert len(tickets) == 4 and len(attachments) == 4 and len(messages) >= 5
    assert all(attachments.values()), "attachments carry their sha256"

    # Backup (docs/operations.md): the database with pg_dump, the upload folder with tar.
    name = connection.settings_dict["NAME"]
    dump, uploads = tmp_path / "curhat.dump", tmp_path / "uploads.tar.gz"
    _pg("pg_dump", "--format=custom", f"--file={dump}", f"--dbname={name}")
    with tarfile.open(uploads, "w:gz") as tar:
        tar.add(settings.MEDIA_ROOT, arcname=".")

    # Restore into a fresh database and a fresh folder.
    fresh = f"{name}_restore"
    _pg("dropdb", "--if-exists", "--force", fresh)
    _pg("createdb", fresh)
    try:
        _pg("pg_restore", "--no-owner", "--no-acl", "--exit-on-error", f"--dbname={fresh}", str(dump))
        restored_uploads = tmp_path / "restored-uploads"
        restored_uploads.mkdir()
        with tarfile.open(uploads) as tar:
            tar.extractall(restored_uploads, filter="data")
        with psycopg.connect(**_conninfo(fresh)) as conn:
            assert set(r[0] for r in conn.execute("SELECT reference FROM tickets_ticket")) == tickets
            assert set(conn.execute("SELECT id, body FROM tickets_message").fetchall()) == messages
            rows = dict(
                conn.execute("SELECT file, sha256 FROM tickets_attachment WHERE file <> ''").fetchall()
            )
        assert rows == attachments
        for file_name, sha in rows.items():
            path = restored_uploads / file_name
            assert path.is_file(), file_name
            assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    finally:
        _pg("dropdb", "--if-exists", "--force", fresh)


def test_the_documented_upload_backup_works_before_the_first_upload(tmp_path):
    """Issue 18's tester: `tar -C /var/lib/curhat -czf - uploads` failed (and left an empty archive)
    while no document had been uploaded yet. The command in docs/operations.md, run as written in a
    data folder without uploads/."""
    import re
    import shlex

    from ..support import ROOT

    text = (ROOT / "docs" / "operations.md").read_text()
    line = next(x for x in text.splitlines() if x.startswith("docker compose exec -T web") and "uploads" in x)
    words = shlex.split(line.split(">")[0])
    assert words[:5] == ["docker", "compose", "exec", "-T", "web"] and words[5:7] == ["sh", "-c"]
    data = tmp_path / "data"
    data.mkdir()
    command = re.sub(r"/var/lib/curhat", str(data), words[7])
    archive = tmp_path / "uploads.tar.gz"
    with archive.open("wb") as out:
        result = subprocess.run(["sh", "-c", command], stdout=out, stderr=subprocess.PIPE, text=False)
    assert result.returncode == 0, result.stderr
    with tarfile.open(archive) as tar:
        assert [m.name for m in tar.getmembers()] == ["uploads"]
