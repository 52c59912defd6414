"""Gunicorn's own log lines as JSON (production: ``CURHAT_LOG_FORMAT=json``), like the app's: one object
per line, UTC time, and for each request the request id the response carries in ``X-Request-ID`` (the
proxy's or the one curhat.observe made), so ``grep <id>`` finds the request in the web service's log
next to the app's and the workers' lines. ``gunicorn.conf.py`` names this class as ``logger_class``.

The access line keeps the house rule: no query string, no referrer (the message is gunicorn's
``access_log_format`` from gunicorn.conf.py, which uses the path alone; the ``http`` fields add the
path, never the query)."""

from __future__ import annotations

import traceback

from .gunicorn_logger import MaskedNikLogger
from .logging import JsonFormatter
from .requestid import HEADER


class JsonLogger(MaskedNikLogger):
    """JSON lines; the path masked as in every access log (MaskedNikLogger)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time) -> None:
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.logconfig_dict or self.cfg.syslog):
            return
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        request_id = next((value for name, value in resp.headers if name.lower() == HEADER.lower()), None)
        http = {
            "method": atoms["m"],
            "path": atoms["U"],  # without the query string
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": atoms["h"],
            "user_agent": atoms["a"],
        }
        try:
            self.access_log.info(
                self.cfg.access_log_format, atoms, extra={"request_id": request_id, "http": http}
            )
        except Exception:
            self.error(traceback.format_exc())
