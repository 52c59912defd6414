"""The UI speaks Bahasa Indonesia unless the user chose English (language switch, kept in a cookie).

Django's LocaleMiddleware would also follow the browser's Accept-Language, so an operator whose
browser happens to be set to English would get an English helpdesk. Here only an explicit choice
counts.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
