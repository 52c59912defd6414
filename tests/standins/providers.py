"""A stand-in for the provider APIs our senders call, on 127.0.0.1 (a random free port).

It speaks the parts we use, in the providers' documented shapes:

- Twilio Messages API: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (HTTP basic auth
  with the Account SID and auth token, form body, ``MediaUrl`` repeatable) answering 201 with the
  Message resource (``sid`` "SM…", ``status`` "queued", ``date_created`` RFC 2822 …), and ``GET`` on
  the same path (the Messages list, filtered by ``To``/``From``); errors as Twilio's body
  ``{"code", "message", "more_info", "status"}``.
  https://www.twilio.com/docs/messaging/api/message-resource , https://www.twilio.com/docs/usage/twilios-response
- Graph API: ``POST /{version}/{id}/messages`` with a bearer token; the WhatsApp Cloud API answer
  ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid…"}]}``
  and the Messenger Send API answer ``{"recipient_id", "message_id"}``; errors as
  ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``.

Everything it receives is recorded (thread-safe) so a test asks what the provider got, also when a
worker process sent it: the stand-in runs in the test process and the worker talks to it over HTTP.
Failures are injected on demand with :meth:`ProviderStandIn.fail` (status, body, Retry-After, a
hang before answering, whether the provider still "takes" the message).
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-zA-Z]+)/Messages\.json$")
GRAPH_PATH = re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<node>[^/]+)/messages$")
# User Profile API: GET /{version}/{psid}?fields=first_name,last_name with the page access token.
GRAPH_PROFILE_PATH = re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<psid>\d+)$")


@dataclass
class Received:
    """One request the stand-in got."""

    api: str  # "twilio", "whatsapp", "messenger"
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]] = field(default_factory=dict)
    json: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0  # time.time() when it arrived
    status: int = 0  # what we answered (0: no answer, e.g. the client went away)
    accepted: bool = False  # the "provider" created a message from it
    provider_id: str = ""

    def value(self, name: str) -> str:
        values = self.form.get(name) or [""]
        return values[0]


@dataclass
class Failure:
    """An injected failure for the next ``times`` matching requests."""

    api: str | None  # None: any API
    status: int
    body: dict[str, Any] | None = None
    retry_after: str | None = None
    delay: float = 0.0  # hang this long before answering (a client read timeout fires first)
    accept: bool = False  # the provider still takes the message (the answer is what gets lost)
    times: int = 1


class ProviderStandIn:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.failures: list[Failure] = []
        self.twilio_accounts: dict[str, str] = {}  # sid -> auth token
        self.graph_tokens: dict[str, str] = {}  # node id (phone-number id / page id) -> token
        self.twilio_messages: list[dict[str, Any]] = []  # created Message resources, oldest first
        self.profiles: dict[str, dict[str, Any]] = {}  # psid -> Messenger user profile fields
        self.delay = 0.0  # every answer waits this long (bench: provider latency)
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle and configuration ------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's bound address is getsockname()'s (str, int)
        return f"http://{host}:{port}"

    def start(self) -> ProviderStandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_twilio_account(self, sid: str, token: str) -> None:
        self.twilio_accounts[sid] = token

    def add_graph_node(self, node: str, token: str) -> None:
        self.graph_tokens[node] = token

    def fail(self, status: int = 500, *, api: str | None = None, times: int = 1, **kwargs: Any) -> None:
        """Answer the next ``times`` requests (to ``api``, or any) with this failure."""
        with self.lock:
            self.failures.append(Failure(api=api, status=status, times=times, **kwargs))

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.failures.clear()
            self.twilio_messages.clear()

    # --- what was received ----------------------------------------------------------------------

    def requests(
        self, api: str | None = None, *, accepted: bool | None = None, method: str = "POST"
    ) -> list[Received]:
        """What was received (POSTs: sends; ``method="GET"``: Twilio list look-ups)."""
        with self.lock:
            return [
                r
                for r in self.received
                if r.method == method
                and (api is None or r.api == api)
                and (accepted is None or r.accepted == accepted)
            ]

    def wait_for(self, count: int, api: str | None = None, timeout: float = 20.0, **kwargs) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.requests(api, **kwargs)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"stand-in got {len(self.requests(api, **kwargs))} {api or ''} requests, wanted {count}"
        )

    # --- the server -----------------------------------------------------------------------------

    def _take_failure(self, api: str) -> Failure | None:
        with self.lock:
            for failure in self.failures:
                if failure.api in (None, api) and failure.times > 0:
                    failure.times -= 1
                    return failure
        return None

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # quiet
                pass

            def do_POST(self):
                standin._dispatch(self, "POST")

            def do_GET(self):
                standin._dispatch(self, "GET")

        return Handler

    def _dispatch(self, request: BaseHTTPRequestHandler, method: str) -> None:
        arrived = time.time()
        url = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in request.headers.items()}
        twilio = TWILIO_PATH.match(url.path)
        graph = GRAPH_PATH.match(url.path)
        profile = GRAPH_PROFILE_PATH.match(url.path) if method == "GET" else None
        handler: Callable[[Received, str], Any]
        if profile:
            form = parse_qs(url.query, keep_blank_values=True)
            record = Received("profile", method, url.path, headers, form=form, at=arrived)
            handler = self._profile
            args = (profile.group("psid"),)
        elif twilio:
            form = parse_qs(raw.decode() if method == "POST" else url.query, keep_blank_values=True)
            record = Received("twilio", method, url.path, headers, form=form, at=arrived)
            handler = self._twilio_list if method == "GET" else self._twilio_create
            args = (twilio.group("sid"),)
        elif graph and method == "POST":
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            api = "whatsapp" if body.get("messaging_product") == "whatsapp" else "messenger"
            record = Received(api, method, url.path, headers, json=body, at=arrived)
            handler = self._graph
            args = (graph.group("node"),)
        else:
            self._send(request, 404, {"error": "not found"})
            return
        with self.lock:
            self.received.append(record)
        failure = self._take_failure(record.api) if method == "POST" or record.api == "profile" else None
        if failure is not None:
            status, body, extra = self._failure_answer(record, failure)
        else:
            if self.delay:
                time.sleep(self.delay)
            status, body, extra = handler(record, *args)
        record.status = status
        try:
            self._send(request, status, body, extra)
        except OSError:
            record.status = 0  # the client gave up (timeout, killed worker)

    def _failure_answer(self, record: Received, failure: Failure):
        accepted = None
        if failure.accept:
            # The provider takes the message at once; only the answer goes wrong or comes too late.
            accepted = (
                self._twilio_create(record, record.path.split("/")[3])
                if record.api == "twilio"
                else self._graph(record, record.path.split("/")[2])
            )
        if failure.delay:
            time.sleep(failure.delay)
        if accepted is not None and failure.status < 400:
            return accepted
        body = failure.body or self._default_error(record.api, failure.status)
        extra = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
        return failure.status, body, extra

    @staticmethod
    def _default_error(api: str, status: int) -> dict[str, Any]:
        if api == "twilio":
            return twilio_error(20500 if status >= 500 else 20429 if status == 429 else 21211, status)
        return graph_error(2 if status >= 500 else 4 if status == 429 else 100, status)

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: Any, extra: dict | None = None) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    # --- Twilio ---------------------------------------------------------------------------------

    def _twilio_auth(self, record: Received, sid: str) -> bool:
        auth = record.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return False
        user, _sep, password = base64.b64decode(auth[6:]).decode().partition(":")
        expected = self.twilio_accounts.get(sid)
        return user == sid and expected is not None and secrets.compare_digest(password, expected)

    def _twilio_create(self, record: Received, sid: str):
        if not self._twilio_auth(record, sid):
            return 401, twilio_error(20003, 401, "Authenticate"), {}
        to, from_ = record.value("To"), record.value("From")
        if not to:
            return 400, twilio_error(21604, 400, "A 'To' phone number is required."), {}
        if not from_:
            return 400, twilio_error(21603, 400, "A 'From' phone number is required."), {}
        if not (record.value("Body") or record.value("ContentSid") or record.form.get("MediaUrl")):
            return 400, twilio_error(21602, 400, "Message body is required."), {}
        message_sid = f"SM{secrets.token_hex(16)}"
        now = dt.datetime.now(dt.UTC)
        resource = {
            "account_sid": sid,
            "api_version": "2010-04-01",
            "body": record.value("Body"),
            "date_created": format_datetime(now),
            "date_sent": None,
            "date_updated": format_datetime(now),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": None,
            "num_media": str(len(record.form.get("MediaUrl", []))),
            "num_segments": "1",
            "price": None,
            "price_unit": None,
            "sid": message_sid,
            "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}/Media.json"},
            "to": to,
            "uri": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json",
        }
        with self.lock:
            self.twilio_messages.append(resource)
        record.accepted = True
        record.provider_id = message_sid
        return 201, resource, {}

    def _twilio_list(self, record: Received, sid: str):
        if not self._twilio_auth(record, sid):
            return 401, twilio_error(20003, 401, "Authenticate"), {}
        to, from_ = record.value("To"), record.value("From")
        with self.lock:
            items = [
                m
                for m in reversed(self.twilio_messages)  # newest first, as Twilio lists
                if m["account_sid"] == sid and (not to or m["to"] == to) and (not from_ or m["from"] == from_)
            ]
        size = int(record.value("PageSize") or 50)
        page = {
            "messages": items[:size],
            "page": 0,
            "page_size": size,
            "first_page_uri": record.path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": record.path,
            "end": min(size, len(items)) - 1,
            "start": 0,
        }
        return 200, page, {}

    # --- Graph API ------------------------------------------------------------------------------

    def _graph(self, record: Received, node: str):
        auth = record.headers.get("authorization", "")
        expected = self.graph_tokens.get(node)
        if not (expected and auth == f"Bearer {expected}"):
            return 401, graph_error(190, 401, "Invalid OAuth access token - Cannot parse access token"), {}
        body = record.json
        if record.api == "whatsapp":
            kind = body.get("type")
            if not body.get("to") or kind not in ("text", "template") or kind not in body:
                return 400, graph_error(100, 400, "(#100) Invalid parameter"), {}
            wamid = "wamid." + base64.b64encode(secrets.token_bytes(24)).decode().rstrip("=")
            record.accepted, record.provider_id = True, wamid
            answer: dict[str, Any] = {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid}],
            }
            if kind == "template":
                answer["messages"][0]["message_status"] = "accepted"
            return 200, answer, {}
        recipient = (body.get("recipient") or {}).get("id")
        if not recipient or not (body.get("message") or {}).get("text"):
            return 400, graph_error(100, 400, "(#100) param recipient must be non-empty."), {}
        if body.get("messaging_type") == "MESSAGE_TAG" and not body.get("tag"):
            return 400, graph_error(100, 400, "(#100) Tag is required for MESSAGE_TAG messaging type."), {}
        message_id = f"m_{secrets.token_urlsafe(30)}"
        record.accepted, record.provider_id = True, message_id
        return 200, {"recipient_id": recipient, "message_id": message_id}, {}

    # --- Graph API: Messenger User Profile -------------------------------------------------------

    def add_profile(self, psid: str, **fields: Any) -> None:
        self.profiles[psid] = {**fields, "id": psid}

    def _profile(self, record: Received, psid: str):
        auth = record.headers.get("authorization", "")
        if not (auth.startswith("Bearer ") and auth[7:] in self.graph_tokens.values()):
            return 401, graph_error(190, 401, "Invalid OAuth access token - Cannot parse access token"), {}
        found = self.profiles.get(psid)
        if found is None:
            message = f"(#100) Unsupported get request. Object with ID '{psid}' does not exist"
            return 400, graph_error(100, 400, message, subcode=33), {}
        wanted = (record.value("fields") or "first_name,last_name").split(",")
        record.accepted = True
        return 200, {key: found[key] for key in (*wanted, "id") if key in found}, {}


def twilio_error(code: int, status: int, message: str = "") -> dict[str, Any]:
    return {
        "code": code,
        "message": message
        or {
            21211: "The 'To' number is not a valid phone number.",
            20500: "Internal Server Error",
            20429: "Too Many Requests",
            63016: "Failed to send freeform message because you are outside the allowed window.",
        }.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def graph_error(
    code: int, status: int, message: str = "", subcode: int | None = None, details: str = ""
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message or f"(#{code}) Error",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(12),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}
