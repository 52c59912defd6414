from __future__ import annotations

from pathlib import Path

import pytest

from channels.models import ChannelAccount, Provider

from .dovecot import PASSWORD, USER, DovecotServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"
OFFICE = "curhat@kantor.test"


def eml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def dovecot():
    server = DovecotServer().start()
    yield server
    server.close()


@pytest.fixture
def imap_account(dovecot, monkeypatch):
    """The office mailbox on the test server; the password comes from the environment, as in production."""
    monkeypatch.setenv("CURHAT_KOTAK_SURAT_PASSWORD", PASSWORD)
    return ChannelAccount.objects.create(
        slug="kotak-surat",
        name="Email kantor",
        channel="email",
        provider=Provider.EMAIL_IMAP,
        address=OFFICE,
        config={
            "host": "127.0.0.1",
            "port": dovecot.port,
            "security": "none",
            "username": USER,
            "timeout": 5,
        },
    )
