"""The containers' health check: ``python -m curhat.healthcheck [URL]`` (exit 0 when healthy).

It asks ``/sehat/`` the way the reverse proxy in front of gunicorn does: with a ``Host`` the app
allows (the first of ``DJANGO_ALLOWED_HOSTS``) and ``X-Forwarded-Proto: https``. A plain request to
127.0.0.1 is refused in production (400 DisallowedHost, then a 301 to https that gunicorn does not
serve), which is what the earlier check in docker-compose.yml ran into (issue 18). Standard library
only, no Django start: it runs every 30 seconds.
"""

from __future__ import annotations

import http.client
import os
import sys
import urllib.parse

DEFAULT_URL = "http://127.0.0.1:8000/sehat/"


def host_header() -> str:
    """The first allowed host, as a proxy would send it ('.example.go.id' matches example.go.id)."""
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        host = host.strip()
        if host and host != "*":
            return host.lstrip(".")
    return "localhost"


def check(url: str = DEFAULT_URL, timeout: float = 5.0) -> tuple[int, str]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        conn.request(
            "GET",
            parts.path or "/",
            headers={"Host": host_header(), "X-Forwarded-Proto": "https", "User-Agent": "curhat-healthcheck"},
        )
        response = conn.getresponse()
        return response.status, response.read(2000).decode("utf-8", "replace")
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    try:
        status, body = check(url)
    except OSError as exc:
        print(f"sehat: {url} tidak menjawab: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"sehat: {url} menjawab {status}: {body}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
