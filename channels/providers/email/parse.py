"""Turning one e-mail (RFC 5322 bytes) into a normalized ``InboundMessage``, or into the reason it must
not open a ticket (auto-replies, bounces, our own mail).

Pure functions: no database, so the IMAP poller, the anymail webhooks and ``replay_events`` share them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from tickets.inbound import InboundAttachment, InboundMessage, Sender

CHANNEL = "email"

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_REFERENCE = re.compile(r"\bCA-\d{4}-\d{6,}\b")


@dataclass(frozen=True)
class RawMail:
    """One mail inside an event: its bytes, and the id to use when it has no Message-ID."""

    raw: bytes
    fallback_id: str = ""
    meta: dict | None = None
    # The ESP's own id for this mail (Postmark MessageID, Mailgun token, SES messageId), as
    # "<esp>:<id>": two different mails may share an RFC Message-ID, one ESP delivery never changes
    # its id. Empty for IMAP, where the Message-ID is the key.
    event_key: str = ""


class MalformedMail(ValueError):
    """The bytes are not a message we can answer (no usable sender)."""


@dataclass(frozen=True)
class ParsedMail:
    """Either ``message`` (open or continue a ticket) or ``ignored_reason`` (a loop we cut)."""

    message: InboundMessage | None
    ignored_reason: str = ""
    message_id: str = ""


@dataclass(frozen=True)
class OwnIdentity:
    """How we recognize mail we sent ourselves: the office's addresses, and the domain part our
    outbound Message-IDs carry (a Gmail mailbox's domain is everybody's, so it is not enough)."""

    addresses: frozenset[str] = frozenset()
    message_id_domains: frozenset[str] = frozenset()


# --- text decoding -------------------------------------------------------------------------------

# Mail labelled ISO-8859-1 or US-ASCII is very often really windows-1252 (curly quotes, €), as every
# browser and mail client assumes (WHATWG Encoding Standard); windows-1252 is a superset for text.
_CHARSET_ALIASES = {
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
}


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Decode a body part: the declared charset (aliased as clients do), else UTF-8, else windows-1252."""
    candidates: list[str] = []
    if charset:
        label = charset.strip().strip('"').lower()
        candidates.append(_CHARSET_ALIASES.get(label, label))
    candidates += ["utf-8", "windows-1252"]
    for candidate in candidates:
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def _has_raw_bytes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _clean_header(value: object) -> str:
    """A header as one line of text. Raw 8-bit bytes arrive as surrogate escapes: decode them."""
    text = str(value or "")
    if _has_raw_bytes(text):
        text = decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    return " ".join(text.split())


def _header(msg: EmailMessage, name: str) -> str:
    """policy.default decodes RFC 2047 but turns raw 8-bit header bytes (not allowed, yet common)
    into U+FFFD; for those, decode the raw value as the clients that sent them meant it."""
    lowered = name.lower()
    raw = next((value for key, value in msg.raw_items() if key.lower() == lowered), None)
    if raw is None:
        return ""
    if _has_raw_bytes(raw):
        return _clean_header(raw)
    try:
        return _clean_header(msg.get(name, ""))
    except Exception:  # a header the parser cannot model: its raw text
        return _clean_header(raw)


class _TextExtractor(HTMLParser):
    """HTML to plain text: block elements become line breaks, scripts and styles vanish, entities are
    decoded. The result is plain text (escaped again wherever it is shown)."""

    _BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr"}
    )
    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)  # bytes: a text/plain or text/html part
    return decode_bytes(payload if isinstance(payload, bytes) else b"", part.get_content_charset())


# --- loop protection -----------------------------------------------------------------------------

_AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
_BOUNCE_LOCALPARTS = frozenset({"mailer-daemon"})


def _auto_submitted(msg: EmailMessage, own: OwnIdentity) -> str:
    # RFC 3834: anything but "no" is machine-generated.
    value = _header(msg, "Auto-Submitted").lower()
    return f"balasan otomatis (Auto-Submitted: {value})" if value and value != "no" else ""


def _auto_reply_header(msg: EmailMessage, own: OwnIdentity) -> str:
    for name in _AUTO_REPLY_HEADERS:
        if msg.get(name) is not None:
            return f"balasan otomatis ({name})"
    return ""


def _bulk(msg: EmailMessage, own: OwnIdentity) -> str:
    value = _header(msg, "Precedence").lower()
    return f"surat massal (Precedence: {value})" if value in _BULK_PRECEDENCE else ""


def _bounce(msg: EmailMessage, own: OwnIdentity) -> str:
    # RFC 3464 delivery status notifications, and bounces from servers that do not use the format.
    if msg.get_content_type() == "multipart/report":
        return "pemberitahuan gagal kirim (multipart/report)"
    _name, address = parseaddr(_header(msg, "From"))
    if address.partition("@")[0].lower() in _BOUNCE_LOCALPARTS:
        return "pemberitahuan gagal kirim (MAILER-DAEMON)"
    return ""


def _own_mail(msg: EmailMessage, own: OwnIdentity) -> str:
    _name, address = parseaddr(_header(msg, "From"))
    if address and address.lower() in own.addresses:
        return f"surat dari alamat kantor sendiri ({address.lower()})"
    message_id = _first_id(_header(msg, "Message-ID"))
    domain = message_id.strip("<>").rpartition("@")[2].lower()
    if domain and domain in own.message_id_domains:
        return f"surat yang kami kirim sendiri (Message-ID {message_id})"
    return ""


# Checked in order; the first that answers names the reason. A test asserts every rule is covered.
LOOP_RULES: dict[str, Callable[[EmailMessage, OwnIdentity], str]] = {
    "auto_submitted": _auto_submitted,
    "auto_reply_header": _auto_reply_header,
    "bulk": _bulk,
    "bounce": _bounce,
    "own_mail": _own_mail,
}


def loop_reason(msg: EmailMessage, own: OwnIdentity) -> str:
    for rule in LOOP_RULES.values():
        reason = rule(msg, own)
        if reason:
            return reason
    return ""


# --- threading and ids -----------------------------------------------------------------------------


def _first_id(value: str) -> str:
    match = _MESSAGE_ID.search(value or "")
    if match:
        return match.group(0)
    value = (value or "").strip()
    return f"<{value}>" if value and " " not in value else ""


def _reply_ids(msg: EmailMessage) -> tuple[str, ...]:
    """In-Reply-To first, then References newest first: the nearest ancestor decides the ticket."""
    ids: list[str] = []
    ids += _MESSAGE_ID.findall(_header(msg, "In-Reply-To"))
    ids += reversed(_MESSAGE_ID.findall(_header(msg, "References")))
    return tuple(dict.fromkeys(ids))[:50]


def content_message_id(raw: bytes) -> str:
    """A stable id for mail without a Message-ID: the same bytes always give the same id."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@curhat.invalid>"


# --- body and attachments ----------------------------------------------------------------------


def _body_parts(msg: EmailMessage) -> tuple[EmailMessage | None, EmailMessage | None]:
    try:
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
    except Exception:  # odd structures: walk instead
        plain = html = None
    if plain is None and html is None:
        for part in msg.walk():
            if part.is_multipart() or part.get_content_disposition() == "attachment":
                continue
            if part.get_content_type() == "text/plain" and plain is None:
                plain = part
            elif part.get_content_type() == "text/html" and html is None:
                html = part
    return plain, html  # type: ignore[return-value]


def _attachments(
    msg: EmailMessage, body_parts: Iterable[EmailMessage | None]
) -> tuple[InboundAttachment, ...]:
    skip = {id(part) for part in body_parts if part is not None}
    found = []
    for part in msg.walk():
        if part.is_multipart() or id(part) in skip or part.get_content_maintype() == "message":
            continue
        disposition = part.get_content_disposition()
        filename = ""
        try:
            filename = _clean_header(part.get_filename() or "")
        except Exception:
            filename = ""
        is_text = part.get_content_maintype() == "text"
        if disposition != "attachment" and is_text and not filename:
            continue  # an alternative body, not a file
        payload = part.get_payload(decode=True)  # bytes: multipart and message/* parts were skipped
        content = payload if isinstance(payload, bytes) else b""
        found.append(
            InboundAttachment(filename=filename[:255], content_type=part.get_content_type(), content=content)
        )
    return tuple(found)


def _timestamp(msg: EmailMessage, received_at: dt.datetime) -> dt.datetime:
    try:
        header = msg.get("Date")
        stamp = getattr(header, "datetime", None)
    except Exception:
        stamp = None
    # A Date from the future (a wrong clock) would put the consultation in the wrong month.
    if stamp is None or stamp.tzinfo is None or stamp > received_at + dt.timedelta(hours=1):
        return received_at
    return stamp


def parse_message(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[return-value]


def mail_parse(
    raw: bytes,
    *,
    provider: str,
    received_at: dt.datetime,
    own: OwnIdentity = OwnIdentity(),
    fallback_id: str = "",
    meta: dict | None = None,
    event_key: str = "",
) -> ParsedMail:
    """The normalized message for ``raw``, or why it must not open a ticket.

    ``fallback_id`` names the mail when it has no Message-ID (an ESP's own event id); without one the
    content hash does, so a redelivery is still recognized. ``event_key`` (an ESP's own id for the
    delivery) is the idempotency key when given; the Message-ID stays in ``meta["email"]`` for
    threading.
    """
    msg = parse_message(raw)
    message_id = _first_id(_header(msg, "Message-ID")) or fallback_id or content_message_id(raw)
    reason = loop_reason(msg, own)
    if reason:
        return ParsedMail(message=None, ignored_reason=reason, message_id=message_id)

    from_header = _header(msg, "From")
    addresses = [(name, address) for name, address in getaddresses([from_header]) if "@" in address]
    if not addresses:
        raise MalformedMail(f"tidak ada alamat pengirim yang dapat dibalas (From: {from_header[:200]!r})")
    display_name, address = addresses[0]

    plain, html = _body_parts(msg)
    if plain is not None:
        text = _part_text(plain)
    elif html is not None:
        text = html_to_text(_part_text(html))
    else:
        text = ""
    subject = _header(msg, "Subject")
    attachments = _attachments(msg, (plain, html))
    if not text.strip() and not attachments:
        text = subject  # a subject-only mail is still a question
    reference = _REFERENCE.search(subject)
    message = InboundMessage(
        channel=CHANNEL,
        provider=provider,
        provider_message_id=(event_key or message_id)[:255],
        sender=Sender(kind="email", value=address, display_name=_clean_header(display_name)[:200]),
        timestamp=_timestamp(msg, received_at),
        text=text.strip(),
        subject=subject[:255],
        attachments=attachments,
        reply_to_ids=_reply_ids(msg),
        ticket_reference=reference.group(0) if reference else "",
        meta={"email": {"message_id": message_id, "to": _header(msg, "To")[:500]}, **(meta or {})},
    )
    return ParsedMail(message=message, message_id=message_id)
