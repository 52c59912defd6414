"""The UI speaks Bahasa Indonesia unless the user chose English (language switch, kept in a cookie).

Django's LocaleMiddleware would also follow the browser's Accept-Language, so an operator whose
browser happens to be set to English would get an English helpdesk. Here only an explicit choice
counts.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .clientaddr import missing_client_address

logger = logging.getLogger(__name__)


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class CacheOutageMiddleware:
    """A check that must not fail open (the rate limits of the public form, the tracking page and
    the sign-in) needs Redis: while Redis is down those pages answer 503 with the reason and a
    Retry-After, not a 500; so does any page while the database is unreachable. Signed webhooks never
    get here (they count nothing and go on; without the database they answer 503 themselves)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ImproperlyConfigured
        from django.db import InterfaceError, OperationalError
        from redis import exceptions as redis_exceptions

        if isinstance(exception, ImproperlyConfigured) and (header := missing_client_address(request)):
            return _bypassed_proxy(request, header)
        if isinstance(exception, (redis_exceptions.ConnectionError, redis_exceptions.TimeoutError)):
            what = "cache"
        elif isinstance(exception, (OperationalError, InterfaceError)) and _database_down(exception):
            what = "database"
        else:
            return None
        logger.warning("%s %s: %s unavailable (%s)", request.method, request.path, what, exception)
        reason = _(
            "Layanan sedang gangguan sebentar. Yang Anda kirim barusan belum tersimpan: "
            "coba lagi beberapa menit lagi."
        )
        # Rendered without the request: its context processors may need the database that is gone.
        body = render_to_string("503.html", {"reason": reason})
        return HttpResponse(body, status=503, headers={"Retry-After": "60"})


def _bypassed_proxy(request, header: str) -> HttpResponse:
    """A rate-limited request without the client-address header the proxy sets (django-ratelimit
    cannot count it and raised ImproperlyConfigured): 400 with the reason, not a 500."""
    logger.warning(
        "%s %s: no %s header (request bypassed the reverse proxy?)", request.method, request.path, header
    )
    reason = _(
        "Permintaan ini tidak membawa header %(header)s yang dipasang proxy balik, jadi tidak dapat "
        "dihitung per alamat. Akses situs melalui alamat resminya (bukan langsung ke server aplikasi)."
    ) % {"header": header}
    body = render_to_string("400.html", {"reason": reason})
    return HttpResponse(body, status=400)


def _database_down(exc: BaseException) -> bool:
    """A connection that failed or broke (SQLSTATE class 08, or none at all), not a bad query."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in ("57P01", "57P03")
