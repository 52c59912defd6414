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
    Retry-After, not a 500. Signed webhooks never get here (they count nothing and go on)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from redis import exceptions as redis_exceptions

        if not isinstance(exception, (redis_exceptions.ConnectionError, redis_exceptions.TimeoutError)):
            return None
        logger.warning("%s %s: cache unavailable (%s)", request.method, request.path, exception)
        body = render_to_string(
            "503.html",
            {"reason": _("Layanan sedang gangguan sebentar. Coba lagi beberapa menit lagi.")},
            request=request,
        )
        return HttpResponse(body, status=503, headers={"Retry-After": "60"})
