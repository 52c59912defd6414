"""Curhat Adminduk settings: everything comes from the environment (see .env.example).

With nothing set, the *embedded default* runs: a SQLite file under ``var/``, Celery tasks executed
in-process, every provider in sandbox mode (outbound messages recorded, not sent).
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis; ``CURHAT_PRODUCTION=1`` turns on the
settings that ``manage.py check --deploy`` asks for and refuses to start without a real secret key.

Two modules: ``base`` (Django and the platform) and ``helpdesk`` (the helpdesk's own CURHAT_* settings,
which extend the platform's beat schedule, task modules and context processors); ``curhat.env``
reads the environment.
"""

from __future__ import annotations

from .base import *  # noqa: F403
from .helpdesk import *  # noqa: F403
