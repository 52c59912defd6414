"""Polling an ordinary mailbox (the office's Gmail) over IMAP, by UID.

Resume point: ``MailboxState.last_uid``, advanced one mail at a time and only after that mail's
event is committed and ingested. A server outage or a killed poller in the middle of a batch leaves
``last_uid`` at the last mail fully handled; the next poll fetches the rest (what arrived meanwhile
included). A mail fetched twice (crash between ingest and advancing) is recognized by its Message-ID
in ``ticket_ingest``. A changed UIDVALIDITY means the server renumbered the folder: start from UID 1
and let the Message-IDs sort out what we already have (RFC 3501 §2.3.1.1).
"""

from __future__ import annotations

import imaplib
import logging
import re
import secrets
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import timezone

from channels.models import ChannelAccount, MailboxState, Provider

from .inbound import RFC822, email_event_process, email_event_store

logger = logging.getLogger(__name__)

# Errors that mean "the server or the network went away": the poll stops and the next one resumes.
CONNECTION_ERRORS = (imaplib.IMAP4.error, OSError, socket.timeout, ssl.SSLError, EOFError)

_FETCH_UID = re.compile(rb"UID (\d+)")
_DEFAULTS = {"port": {"ssl": 993, "starttls": 143, "none": 143}}


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    security: str  # "ssl" (implicit TLS, Gmail), "starttls" or "none" (loopback tests only)
    username: str
    password: str
    folder: str = "INBOX"
    move_to: str = ""
    batch_size: int = 25
    timeout: float = 30.0
    # On the first poll of a folder (and after a UIDVALIDITY change), take only unread mail: an
    # office connecting its years-old Gmail inbox must not turn its whole history into tickets.
    initial_unseen_only: bool = True
    # A server with a private CA (an on-premises mail server): its certificate, PEM. Verification
    # is never switched off.
    ca_file: str = ""

    @classmethod
    def for_account(cls, account: ChannelAccount) -> MailboxConfig:
        """Each value from the environment (``CURHAT_<SLUG>_PASSWORD``, ``..._HOST``, ``..._PORT``,
        ``..._SECURITY``, ``..._USERNAME``, ``..._FOLDER``, via ``account.secret``) or else from the
        account's ``config`` (host, port, security, username, folder, move_to, batch_size, timeout,
        initial_unseen_only)."""

        def value(name: str, default: str = "") -> str:
            configured = account.config.get(name)
            return account.secret(name) or (default if configured in (None, "") else str(configured))

        security = value("security", "ssl").lower()
        if security not in _DEFAULTS["port"]:
            raise ValueError(f"imap security must be ssl, starttls or none, not {security!r}")
        return cls(
            host=value("host"),
            port=int(value("port", str(_DEFAULTS["port"][security]))),
            security=security,
            username=value("username", account.address),
            password=value("password"),
            folder=value("folder", "INBOX"),
            move_to=value("move_to"),
            batch_size=max(1, int(value("batch_size", "25"))),
            timeout=float(value("timeout", "30")),
            initial_unseen_only=value("initial_unseen_only", "true").lower() not in ("0", "false", "no"),
            ca_file=value("ca_file"),
        )


@dataclass
class PollResult:
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    last_uid: int = 0
    uidvalidity_reset: bool = False
    error: str = ""
    skipped: bool = False


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(config: MailboxConfig) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=config.ca_file or None)
    if config.security == "ssl":
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            config.host, config.port, ssl_context=context, timeout=config.timeout
        )
    else:
        conn = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
        if config.security == "starttls":
            conn.starttls(ssl_context=context)
    conn.login(config.username, config.password)
    return conn


def _check(typ: str, data: list, what: str) -> list:
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data!r}")
    return data


def _select(conn: imaplib.IMAP4, folder: str) -> int:
    _check(*conn.select(_quote(folder)), f"SELECT {folder}")
    _typ, data = conn.response("UIDVALIDITY")
    if not data or data[0] is None:
        raise imaplib.IMAP4.error(f"server sent no UIDVALIDITY for {folder}")
    return int(data[0])


def _new_uids(conn: imaplib.IMAP4, after: int, *, unseen_only: bool = False) -> list[int]:
    # "n:*" always matches the highest UID even when it is below n (RFC 3501 §6.4.8): filter.
    criteria = f"UID {after + 1}:* UNSEEN" if unseen_only else f"UID {after + 1}:*"
    data = _check(*conn.uid("SEARCH", criteria), "UID SEARCH")
    uids = sorted({int(token) for token in (data[0] or b"").split()})
    return [uid for uid in uids if uid > after]


def _fetch(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
    # BODY.PEEK: fetching does not set \Seen; we mark a mail only once it is safely ingested.
    data = _check(*conn.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])"), "UID FETCH")
    mails: dict[int, bytes] = {}
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2:
            match = _FETCH_UID.search(item[0])
            if match:
                mails[int(match.group(1))] = item[1]
    return mails


def _mark_processed(conn: imaplib.IMAP4, uid: int, config: MailboxConfig) -> None:
    _check(*conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)"), "UID STORE")
    if not config.move_to:
        return
    if "MOVE" in conn.capabilities:  # RFC 6851; else the classic COPY + \Deleted + EXPUNGE
        _check(*conn.uid("MOVE", str(uid), _quote(config.move_to)), "UID MOVE")
    else:
        _check(*conn.uid("COPY", str(uid), _quote(config.move_to)), "UID COPY")
        _check(*conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "UID STORE")
        conn.expunge()


def mailbox_poll(
    *,
    account: ChannelAccount,
    after_each: Callable[[int], None] | None = None,
    lock_seconds: int = 600,
) -> PollResult:
    """Fetch every mail above the folder's last UID, store it, ingest it, mark it, advance.

    ``after_each(uid)`` runs after each mail is fully handled (progress reporting; tests use it to
    cut the server off mid-batch). Connection errors end the poll and are recorded on the
    MailboxState; they are not raised, as the next scheduled poll is the retry.
    """
    config = MailboxConfig.for_account(account)
    result = PollResult()
    # One poller per mailbox at a time (a slow poll must not overlap the next beat tick).
    lock_key = f"curhat:imap-poll:{account.pk}:{config.folder}"
    token = secrets.token_hex(8)
    if not cache.add(lock_key, token, lock_seconds):
        result.skipped = True
        return result
    state, _created = MailboxState.objects.get_or_create(account=account, folder=config.folder)
    conn: imaplib.IMAP4 | None = None
    succeeded = False
    try:
        conn = _connect(config)
        uidvalidity = _select(conn, config.folder)
        if state.uidvalidity != uidvalidity:
            result.uidvalidity_reset = state.uidvalidity is not None
            state.uidvalidity = uidvalidity
            state.last_uid = 0
            state.save(update_fields=["uidvalidity", "last_uid"])
        # Past the first pass every new UID counts, read or not (someone may have opened it in Gmail).
        uids = _new_uids(conn, state.last_uid, unseen_only=config.initial_unseen_only and state.last_uid == 0)
        for start in range(0, len(uids), config.batch_size):
            batch = uids[start : start + config.batch_size]
            mails = _fetch(conn, batch)
            for uid in batch:
                raw = mails.get(uid)
                if raw is None:  # expunged between SEARCH and FETCH
                    continue
                event = email_event_store(
                    provider=Provider.EMAIL_IMAP,
                    body=raw,
                    content_type=RFC822,
                    headers={"imap_uid": uid, "uidvalidity": uidvalidity, "folder": config.folder},
                    account=account,
                )
                outcome = email_event_process(event=event)
                result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
                result.fetched += 1
                _mark_processed(conn, uid, config)
                # Only now is this mail done: the resume point moves past it.
                MailboxState.objects.filter(pk=state.pk).update(last_uid=uid)
                state.last_uid = uid
                if after_each is not None:
                    after_each(uid)
        state.last_error = ""
        succeeded = True
    except CONNECTION_ERRORS as exc:
        logger.warning("IMAP poll of %s stopped: %s", account.slug, exc)
        result.error = f"{type(exc).__name__}: {exc}"
        state.last_error = result.error[:2000]
    finally:
        # "Last poll" (the system page, curhat_imap_last_poll_age_seconds) is the last one that got
        # through: a failed poll records its error and leaves it, so the age keeps growing and the
        # alert fires while the mailbox is unreachable.
        fields: dict[str, object] = {"last_error": state.last_error}
        if succeeded:
            state.last_polled_at = fields["last_polled_at"] = timezone.now()
        MailboxState.objects.filter(pk=state.pk).update(**fields)
        if conn is not None:
            try:
                conn.logout()
            except Exception:  # the server is already gone: nothing to say goodbye to
                logger.debug("IMAP logout failed", exc_info=True)
        if cache.get(lock_key) == token:
            cache.delete(lock_key)
    result.last_uid = state.last_uid
    return result


def imap_accounts() -> list[ChannelAccount]:
    return list(ChannelAccount.objects.filter(provider=Provider.EMAIL_IMAP, is_active=True))
