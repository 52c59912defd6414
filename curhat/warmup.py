"""What a new web worker does before its first request (``gunicorn.conf.py``'s ``post_worker_init``),
so that the first page it serves costs what the others do.

Measured (bench/first_request.py): a fresh worker's first inbox page took 10-15 times a warm one's,
spent importing every view module on the first URL resolution, compiling the page's templates and
the inbox fragments, loading the translation catalog, opening the database connection and reading
the reference data. Each step here is cheap on its own and fails soft: a worker that cannot warm (the
database is not up yet) still starts, and pays on its first request as before.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)

# The pages staff open all day, and what they include.
TEMPLATES = (
    "base.html",
    "tickets/inbox/list.html",
    "tickets/inbox/ticket.html",
    "tickets/inbox/_knowledge.html",
    "tickets/knowledge/_answers.html",
    "officials/queue.html",
    "officials/detail.html",
    "officials/ticket_panel.html",
    "officials/_timeline_escalation.html",
    "registration/login.html",
)


def _step(name: str, timings: dict[str, float], function) -> None:
    started = time.perf_counter()
    try:
        function()
    except Exception:
        logger.warning("warm-up step %s failed; the first request will do it", name, exc_info=True)
    timings[name] = round((time.perf_counter() - started) * 1000, 1)


def _urls() -> None:
    from django.urls import get_resolver, reverse

    get_resolver().check()  # imports every URLconf and view module
    reverse("inbox:list")


def _templates() -> None:
    from django.template.loader import get_template

    for name in TEMPLATES:
        get_template(name)


def _fragments() -> None:
    from tickets.inbox import fragments

    fragments.warm()


def _translations() -> None:
    from django.conf import settings
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Kotak masuk")


def _database() -> None:
    from django.db import connection

    connection.ensure_connection()


def _reference_data() -> None:
    from tickets.refdata import _LOADERS, refdata

    for name in list(_LOADERS):
        refdata(name)


def _request() -> None:
    """One anonymous GET of the sign-in page through the worker's own WSGI application: the
    middleware chain, sessions, CSRF, CSP and the response path run once before a real request."""
    import io
    from wsgiref.util import setup_testing_defaults

    from django.conf import settings

    from curhat.wsgi import application

    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")] or ["localhost"]
    environ: dict = {"PATH_INFO": "/masuk/", "HTTP_HOST": hosts[0], "wsgi.errors": io.StringIO()}
    setup_testing_defaults(environ)

    def start_response(status, headers, exc_info=None):
        return lambda data: None

    body = application(environ, start_response)
    for _chunk in body:
        pass
    if hasattr(body, "close"):
        body.close()


def warm() -> dict[str, float]:
    """Warm this process; returns each step's milliseconds (logged by the caller)."""
    timings: dict[str, float] = {}
    for name, function in (
        ("urls", _urls),
        ("templates", _templates),
        ("fragments", _fragments),
        ("translations", _translations),
        ("database", _database),
        ("reference_data", _reference_data),
        ("request", _request),
    ):
        _step(name, timings, function)
    return timings
