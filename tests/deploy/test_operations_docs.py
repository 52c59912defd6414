"""operations.md's steps that are not run by compose (issue 18, outside test): the upload folder's
archive made without compose restores with the steps written for it, and the upgrade notes say what
happens to an existing database volume's password."""

from __future__ import annotations

import re
import subprocess

from ..support import ROOT

OPERATIONS = (ROOT / "docs" / "operations.md").read_text()


def _section(number: int) -> str:
    return OPERATIONS.split(f"## {number}.", 1)[1].split("\n## ", 1)[0]


def test_the_non_compose_upload_archive_restores_with_the_documented_steps(tmp_path):
    backup = re.search(r'`(mkdir -p "\$CURHAT_UPLOAD_ROOT" && tar [^`]+)`', _section(4)).group(1)
    restore = [
        line.split("#", 1)[0].strip()
        for line in _section(5).splitlines()
        if "$CURHAT_UPLOAD_ROOT" in line and line.startswith(("rm ", "tar "))
    ]
    assert len(restore) == 2, restore
    uploads = tmp_path / "uploads"
    (uploads / "2026" / "12").mkdir(parents=True)
    (uploads / "2026" / "12" / "ktp.jpg").write_bytes(b"\xff\xd8foto")
    env = {"CURHAT_UPLOAD_ROOT": str(uploads), "day": "2026-12-01", "PATH": "/usr/bin:/bin"}
    subprocess.run(["sh", "-c", backup], cwd=tmp_path, env=env, check=True)
    (uploads / "2026" / "12" / "ktp.jpg").write_bytes(b"rusak")  # what the restore must undo
    (uploads / "baru.txt").write_text("sesudah cadangan")
    for step in restore:
        subprocess.run(["sh", "-c", step], cwd=tmp_path, env=env, check=True)
    assert (uploads / "2026" / "12" / "ktp.jpg").read_bytes() == b"\xff\xd8foto"
    assert not (uploads / "baru.txt").exists() and not (uploads / "uploads").exists()


def test_upgrade_notes_say_an_existing_volume_keeps_its_password():
    upgrade = _section(6)
    assert "POSTGRES_PASSWORD" in upgrade and "ALTER ROLE curhat PASSWORD" in upgrade
