"""Gunicorn's access log without a whole NIK: the path of a request can hold one (the citizen's
tracking page ``/lacak/7372014507900001/`` when typed by hand, a link pasted with one). The logger
class (``logger_class`` in gunicorn.conf.py) masks NIK/KK numbers in the path, the request line, the
query string and the referrer with the masker every list uses (tickets.privacy.nik), percent-encoding
decoded first so ``%37%33…`` is no way around it."""

from __future__ import annotations

from urllib.parse import unquote

from gunicorn.glogging import Logger

from tickets.privacy.nik import mask_numbers_in

MASKED_ATOMS = ("U", "r", "q", "f", "a")  # path, request line, query, referrer, user agent


class MaskedNikLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in MASKED_ATOMS:
            value = atoms.get(name)
            if isinstance(value, str) and value:
                atoms[name] = mask_numbers_in(unquote(value))
        return atoms
