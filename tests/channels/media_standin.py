"""A stand-in for the providers' media endpoints on 127.0.0.1, speaking their documented API:

- Twilio: ``GET /2010-04-01/Accounts/{AC}/Messages/{MM}/Media/{ME}`` with HTTP basic auth
  (account SID, auth token), answered with a redirect to a storage URL (as Twilio does).
- Graph API: ``GET /{version}/{media-id}`` with a bearer token → JSON with a ``url``; that url,
  fetched with the same bearer token, gives the bytes.
- Messenger: pre-signed CDN URLs, no auth.

Failures are injected per media id: ``fail[media_id] = [500, 429]`` answers those statuses first.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400
EXE = b"MZ\x90\x00" + b"\x00" * 60


class MediaStandIn:
    def __init__(self, *, account_sid: str, auth_token: str, access_token: str, version: str = "v23.0"):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.access_token = access_token
        self.version = version
        self.files: dict[str, tuple[bytes, str]] = {}
        self.fail: dict[str, list[int]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, authorization)
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server: the address is ("127.0.0.1", port)
        return f"http://{host}:{port}"

    def add(self, media_id: str, content: bytes, content_type: str) -> None:
        self.files[media_id] = (content, content_type)

    def start(self) -> MediaStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain", **headers):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def _injected(self, media_id: str) -> bool:
                queue = standin.fail.get(media_id)
                if queue:
                    self._send(queue.pop(0), b'{"error": "injected"}', "application/json")
                    return True
                return False

            def _file(self, media_id: str):
                if media_id not in standin.files:
                    return self._send(404, b"not found")
                content, content_type = standin.files[media_id]
                return self._send(200, content, content_type)

            def do_GET(self):
                auth = self.headers.get("Authorization", "")
                standin.requests.append((self.path, auth))
                parsed = urlparse(self.path)
                parts = parsed.path.strip("/").split("/")
                bearer = f"Bearer {standin.access_token}"
                basic = (
                    "Basic "
                    + base64.b64encode(f"{standin.account_sid}:{standin.auth_token}".encode()).decode()
                )
                # Twilio media: basic auth, then a redirect to storage.
                if parts[:1] == ["2010-04-01"] and ("Media" in parts or "Recordings" in parts):
                    media_id = parts[-1].removesuffix(".mp3")
                    if auth != basic:
                        return self._send(
                            401, b'{"code": 20003, "message": "Authenticate"}', "application/json"
                        )
                    if self._injected(media_id):
                        return None
                    return self._send(307, Location=f"{standin.url}/storage/{media_id}")
                if parts[:1] == ["storage"]:
                    return self._file(parts[1])
                # Graph API media lookup and download.
                if parts[:1] == [standin.version] and len(parts) == 2:
                    if auth != bearer:
                        return self._send(401, b'{"error": {"code": 190}}', "application/json")
                    media_id = parts[1]
                    if self._injected(media_id):
                        return None
                    if media_id not in standin.files:
                        return self._send(404, b'{"error": {"code": 100}}', "application/json")
                    content, content_type = standin.files[media_id]
                    body = {
                        "messaging_product": "whatsapp",
                        "url": f"{standin.url}/whatsapp_business/attachments/?mid={media_id}",
                        "mime_type": content_type,
                        "file_size": len(content),
                        "id": media_id,
                    }
                    return self._send(200, json.dumps(body).encode(), "application/json")
                if parts[:2] == ["whatsapp_business", "attachments"]:
                    if auth != bearer:
                        return self._send(401, b"")
                    return self._file(parse_qs(parsed.query)["mid"][0])
                # Messenger CDN: no auth.
                if parts[:1] == ["cdn"]:
                    media_id = parts[-1]
                    if self._injected(media_id):
                        return None
                    return self._file(media_id)
                return self._send(404, b"unknown path")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
