"""Curhat Adminduk settings: everything comes from the environment (see .env.example).

With nothing set, the *embedded default* runs: a SQLite file under ``var/``, Celery tasks executed
in-process, every provider in sandbox mode (outbound messages recorded, not sent).
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis; ``CURHAT_PRODUCTION=1`` turns on the
settings that ``manage.py check --deploy`` asks for and refuses to start without a real secret key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


PRODUCTION = env_bool("CURHAT_PRODUCTION", False)
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

_DEV_SECRET = "dev-only-insecure-key-curhat-adminduk-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required in production")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Public base URL as the providers see it (Twilio signs the URL it called; behind a proxy the
# request's own host and scheme are not that URL).
PUBLIC_BASE_URL = env("CURHAT_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

DATA_DIR = Path(env("CURHAT_DATA_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "axes",
    "tickets",
    "channels",
    "officials",
    "reports",
    # The composition root: commands that wire every app together (seed_demo).
    "curhat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "curhat.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "curhat.urls"
WSGI_APPLICATION = "curhat.wsgi.application"
ASGI_APPLICATION = "curhat.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "curhat.sqlite3"),
            # Writers wait for each other instead of failing with "database is locked".
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache ---------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Django's Redis backend, one client per connection pool (curhat/cache.py).
    CACHES = {"default": {"BACKEND": "curhat.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions read from the cache, written through to the database (kept across a cache restart).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Topics, departments, operators, canned answers and knowledge entries shown on the inbox's pages
# are cached (tickets.refdata); a change through the app shows at once, one made around it
# (SQL by hand) after at most this long.
CURHAT_REFDATA_CACHE_SECONDS = env_int("CURHAT_REFDATA_CACHE_SECONDS", 300)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Embedded default: no broker, tasks run in the web process right after the transaction commits.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Makassar"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

# --- Auth -----------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend reading the user with their roles and official record (curhat/auth.py).
    "curhat.auth.StaffBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Inbox (issue 6): the lockout page in Indonesian, with the site's layout.
AXES_LOCKOUT_TEMPLATE = "axes_lockout.html"

# --- I18n and time --------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("CURHAT_TIME_ZONE", "Asia/Makassar")
USE_I18N = True
USE_TZ = True

# --- Static and uploads ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(DATA_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = DEBUG
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
# Uploads live outside the web root and are only served through a permission-checked view.
MEDIA_ROOT = Path(env("CURHAT_UPLOAD_ROOT", str(DATA_DIR / "uploads")))
MEDIA_URL = "/lampiran/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CURHAT_MAX_BODY_BYTES", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
CURHAT_MAX_ATTACHMENT_BYTES = env_int("CURHAT_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Curhat Adminduk <curhat@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    "WEBHOOK_SECRET": env_secret("ANYMAIL_WEBHOOK_SECRET"),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env_secret("MAILGUN_WEBHOOK_SIGNING_KEY"),
    "POSTMARK_SERVER_TOKEN": env_secret("POSTMARK_SERVER_TOKEN"),
    "SENDGRID_API_KEY": env_secret("SENDGRID_API_KEY"),
    "MAILGUN_API_KEY": env_secret("MAILGUN_API_KEY"),
}

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Curhat Adminduk API",
    "DESCRIPTION": "Tickets, messages, contacts, escalations, canned answers and the monthly tally.",
    "VERSION": "1.0.0",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI served from our own static files (no CDN; the CSP allows 'self' only).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "MessageStatusEnum": "tickets.models.Message.Status",
        "MessageKindEnum": "tickets.models.Message.Kind",
        "EscalationStatusEnum": "officials.models.Escalation.Status",
        "AttachmentStatusEnum": "tickets.models.Attachment.DownloadStatus",
        "IdentityKindEnum": "tickets.models.ContactIdentity.Kind",
        "ChannelEnum": "tickets.models.Channel",
    },
}

# --- Content Security Policy (django-csp 4) --------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Security (production) ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

# --- Curhat Adminduk ------------------------------------------------------------------------------
# Outbound messages are recorded, not sent, until sandbox mode is switched off.
CURHAT_SANDBOX = env_bool("CURHAT_SANDBOX", not PRODUCTION)
# A contact's message continues their non-closed ticket on the same channel when the ticket's last
# activity is this recent; otherwise it opens a new consultation.
CURHAT_THREAD_WINDOW_DAYS = env_int("CURHAT_THREAD_WINDOW_DAYS", 7)
# Celery tasks (dotted paths) enqueued with a new inbound message's id once it is committed.
CURHAT_AFTER_INGEST_TASKS: list[str] = []
# When each of them is worth enqueueing: "always", "new_ticket" or "remote_attachments" (default "always").
CURHAT_AFTER_INGEST_WHEN: dict[str, str] = {
    "channels.tasks.media_download": "remote_attachments",
    "tickets.knowledge.tasks.ticket_autoack_task": "new_ticket",
}
CURHAT_DEFAULT_REGION = env("CURHAT_DEFAULT_REGION", "ID")
CURHAT_OFFICE_NAME = env("CURHAT_OFFICE_NAME", "Disdukcapil Kota Parepare")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"mask_numbers": {"()": "curhat.logging.MaskPersonalNumbers"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_numbers"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Channels in: messaging and calls (webhooks, media download) ---------------------------------
# The one provider registry (channels/registry.py): packages under channels/providers/, each with
# inbound.py and/or outbound.py (its sender). Order matters: on a channel served by several providers
# (WhatsApp: Twilio, Meta), replies go through the first one with an active account.
CURHAT_CHANNEL_PROVIDERS = [
    "channels.providers.twilio_whatsapp",
    "channels.providers.meta_whatsapp",
    "channels.providers.messenger",
    "channels.providers.twilio_voice",
    "channels.providers.email",
    "channels.providers.website",
]
# Base URLs are settings so tests (and bench) point the real code at stand-ins on 127.0.0.1.
CURHAT_TWILIO_API_BASE_URL = env("CURHAT_TWILIO_API_BASE_URL", "https://api.twilio.com").rstrip("/")
CURHAT_GRAPH_API_BASE_URL = env("CURHAT_GRAPH_API_BASE_URL", "https://graph.facebook.com").rstrip("/")
# Pinned Graph API version (WhatsApp Cloud API and Messenger Send API).
CURHAT_GRAPH_API_VERSION = env("CURHAT_GRAPH_API_VERSION", "v23.0")
CURHAT_PROVIDER_TIMEOUT_SECONDS = env_int("CURHAT_PROVIDER_TIMEOUT_SECONDS", 15)
# Webhook bodies above this are refused (413) before they are read or parsed.
CURHAT_WEBHOOK_MAX_BODY_BYTES = env_int("CURHAT_WEBHOOK_MAX_BODY_BYTES", 1024 * 1024)
# Media download (channels.tasks.media_download): attempts, and the first retry's delay (doubles).
CURHAT_MEDIA_DOWNLOAD_MAX_ATTEMPTS = env_int("CURHAT_MEDIA_DOWNLOAD_MAX_ATTEMPTS", 5)
CURHAT_MEDIA_DOWNLOAD_BACKOFF_SECONDS = env_int("CURHAT_MEDIA_DOWNLOAD_BACKOFF_SECONDS", 30)
CURHAT_AFTER_INGEST_TASKS.append("channels.tasks.media_download")
# Downloads still pending this long after the message arrived were lost (broker down, worker killed):
# the sweeper enqueues them again. Longer than the whole retry schedule above.
CURHAT_MEDIA_SWEEP_AFTER_SECONDS = env_int("CURHAT_MEDIA_SWEEP_AFTER_SECONDS", 3 * 3600)
CELERY_BEAT_SCHEDULE["channels-media-download-sweep"] = {
    "task": "channels.tasks.media_download_sweep",
    "schedule": 15 * 60,
}
# Twilio Voice: office hours in local time (WITA), Monday=0; inside them calls are dialled through
# to the operators' number, outside them the caller leaves a voicemail. Accounts may override
# (config: office_days, office_hours, operator_number).
CURHAT_VOICE_OFFICE_DAYS = [int(day) for day in env_list("CURHAT_VOICE_OFFICE_DAYS", "0,1,2,3,4")]
CURHAT_VOICE_OFFICE_HOURS = env("CURHAT_VOICE_OFFICE_HOURS", "08:00-16:00")
CURHAT_VOICE_OPERATOR_NUMBER = env("CURHAT_VOICE_OPERATOR_NUMBER", "")

# --- Channels in: e-mail (IMAP, anymail inbound) and the website form ----------------------------
# Mail From these addresses (besides every e-mail ChannelAccount's address and DEFAULT_FROM_EMAIL),
# or whose Message-ID ends in one of these domains, is our own and never opens a ticket. Outbound
# mail generates its Message-IDs with the first domain.
CURHAT_EMAIL_OFFICE_ADDRESSES = env_list("CURHAT_EMAIL_OFFICE_ADDRESSES")
CURHAT_EMAIL_MESSAGE_ID_DOMAINS = env_list("CURHAT_EMAIL_MESSAGE_ID_DOMAINS", "curhat-adminduk.local")
CURHAT_IMAP_POLL_SECONDS = env_int("CURHAT_IMAP_POLL_SECONDS", 60)
# Autodiscovery only finds <app>/tasks.py; the provider package's tasks are listed here.
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", ()), "channels.providers.email.tasks"]
CELERY_BEAT_SCHEDULE["email-imap-poll"] = {
    "task": "channels.providers.email.tasks.imap_poll_all",
    "schedule": float(CURHAT_IMAP_POLL_SECONDS),
    # A tick that waited longer than one interval is stale: the next one does the same work.
    "options": {"expires": CURHAT_IMAP_POLL_SECONDS},
}
# Public contact form (/tanya/) and tracking page (/lacak/<token>/): django-ratelimit rates
# ("count/period", period s/m/h/d), attachment limits.
CURHAT_WEBSITE_RATE_PER_IP = env("CURHAT_WEBSITE_RATE_PER_IP", "10/h")
CURHAT_WEBSITE_RATE_PER_CONTACT = env("CURHAT_WEBSITE_RATE_PER_CONTACT", "5/h")
CURHAT_WEBSITE_MAX_FILES = env_int("CURHAT_WEBSITE_MAX_FILES", 3)
CURHAT_WEBSITE_MAX_FILE_BYTES = env_int("CURHAT_WEBSITE_MAX_FILE_BYTES", 5 * 1024 * 1024)
# Behind a reverse proxy, the META key holding the client's address (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = env("CURHAT_RATELIMIT_IP_META_KEY", "REMOTE_ADDR")

# --- Replies out: outbox, retries (senders: each package in CURHAT_CHANNEL_PROVIDERS) -------------
# Tries per reply (per operator retry) before a transient error becomes a failure.
CURHAT_OUTBOX_MAX_ATTEMPTS = env_int("CURHAT_OUTBOX_MAX_ATTEMPTS", 6)
# Exponential backoff with jitter between tries: base * 2^(n-1), capped; milliseconds so tests can
# make it short. A provider's Retry-After is honoured up to CURHAT_OUTBOX_RETRY_AFTER_MAX_SECONDS.
CURHAT_OUTBOX_BACKOFF_BASE_MS = env_int("CURHAT_OUTBOX_BACKOFF_BASE_MS", 5_000)
CURHAT_OUTBOX_BACKOFF_MAX_MS = env_int("CURHAT_OUTBOX_BACKOFF_MAX_MS", 15 * 60_000)
CURHAT_OUTBOX_RETRY_AFTER_MAX_SECONDS = env_int("CURHAT_OUTBOX_RETRY_AFTER_MAX_SECONDS", 3600)
# A worker owns a reply in "sending" for this long; after that the reply is "in doubt" (the worker
# may have died mid-send) and is reconciled with the provider, never blindly re-sent. Must exceed
# what a run's provider calls can take (the outbox enforces 4 × timeout + 5 s at least).
CURHAT_OUTBOX_SENDING_LEASE_SECONDS = env_int("CURHAT_OUTBOX_SENDING_LEASE_SECONDS", 120)
# The sweeper re-enqueues replies queued (and due) for longer than this: a lost task or a broker
# outage delays a reply by about this much, never loses it.
CURHAT_OUTBOX_STUCK_AFTER_SECONDS = env_int("CURHAT_OUTBOX_STUCK_AFTER_SECONDS", 120)
CURHAT_OUTBOX_SWEEP_INTERVAL_SECONDS = env_int("CURHAT_OUTBOX_SWEEP_INTERVAL_SECONDS", 60)
# Free-text windows: WhatsApp 24 h after the citizen's last message; Messenger 24 h (RESPONSE),
# then up to 7 days with the HUMAN_AGENT tag.
CURHAT_WHATSAPP_WINDOW_HOURS = env_int("CURHAT_WHATSAPP_WINDOW_HOURS", 24)
CURHAT_MESSENGER_HUMAN_AGENT_DAYS = env_int("CURHAT_MESSENGER_HUMAN_AGENT_DAYS", 7)
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", ()), "tickets.relay.tasks"]
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {
    "task": "tickets.tasks.outbox_sweep_task",
    "schedule": float(CURHAT_OUTBOX_SWEEP_INTERVAL_SECONDS),
}

# --- Reports -----------------------------------------------------------------------------------------
# Office hours for service metrics and due dates (WITA): one window for every working day.
CURHAT_WORK_DAY_START = env("CURHAT_WORK_DAY_START", "08:00")
CURHAT_WORK_DAY_END = env("CURHAT_WORK_DAY_END", "16:00")
# Working weekdays, Monday = 0. Public holidays are data (admin: Laporan > Hari libur).
CURHAT_WORK_WEEKDAYS = [int(d) for d in env_list("CURHAT_WORK_WEEKDAYS", "0,1,2,3,4")]
# Years the working-day calendar table covers (tickets outside it get no working-time figures).
CURHAT_WORK_CALENDAR_FIRST_YEAR = env_int("CURHAT_WORK_CALENDAR_FIRST_YEAR", 2015)
CURHAT_WORK_CALENDAR_LAST_YEAR = env_int("CURHAT_WORK_CALENDAR_LAST_YEAR", 2040)
# PostgreSQL: whole-month tallies read the trigger-maintained rollup (manage.py tally_rollup --verify).
CURHAT_TALLY_USE_ROLLUP = env_bool("CURHAT_TALLY_USE_ROLLUP", True)

# --- Escalation to officials -------------------------------------------------------------------------
# The citizen's holding message when an operator passes the question on (a canned answer with the
# shortcut "diteruskan" overrides it). {nama}, {nomor_tiket} and {bidang} are filled in.
CURHAT_ESCALATION_HOLDING_TEXT = env(
    "CURHAT_ESCALATION_HOLDING_TEXT",
    "Terima kasih, {nama}. Pertanyaan Anda (nomor {nomor_tiket}) sedang kami teruskan kepada {bidang}. "
    "Kami akan mengabari Anda melalui saluran ini.",
)
# Officials are reminded this many hours before an escalation falls due.
CURHAT_ESCALATION_REMIND_BEFORE_HOURS = env_int("CURHAT_ESCALATION_REMIND_BEFORE_HOURS", 4)
CELERY_BEAT_SCHEDULE["escalations-clock"] = {
    "task": "officials.tasks.escalations_clock_task",
    "schedule": 300.0,
    "options": {"expires": 300},
}
_template_options = cast(dict[str, list[str]], TEMPLATES[0]["OPTIONS"])
_template_options["context_processors"].append("officials.context_processors.escalation_badge")
_template_options["context_processors"].append("tickets.context_processors.navigation")

# --- Knowledge base and topic detection ------------------------------------------------------------
# Topic detection (tickets/knowledge/classifier.py): a ticket's topic and department are set when the
# classifier's confidence reaches the threshold; below it the suggestion is only shown to operators.
CURHAT_TOPIC_CONFIDENCE_THRESHOLD = float(env("CURHAT_TOPIC_CONFIDENCE_THRESHOLD", "0.6"))
# Added to the denominator of the confidence: one weak clue alone stays below the threshold.
CURHAT_CLASSIFIER_PRIOR = float(env("CURHAT_CLASSIFIER_PRIOR", "1.0"))
# Auto-acknowledgement of a new ticket's first message (tickets/knowledge/autoack.py). Placeholders: {kantor},
# {nomor_tiket}, {nama}, {jam_layanan}. "\n" in an environment value is a line break.
CURHAT_AUTOACK_ENABLED = env_bool("CURHAT_AUTOACK_ENABLED", True)
CURHAT_AUTOACK_CHANNELS = env_list(
    "CURHAT_AUTOACK_CHANNELS", "whatsapp,whatsapp_call,facebook,email,website,sms"
)
CURHAT_AUTOACK_TEXT = env(
    "CURHAT_AUTOACK_TEXT",
    "Terima kasih telah menghubungi Curhat Adminduk {kantor}.\n"
    "Pesan Anda kami terima dengan nomor tiket {nomor_tiket}.\n"
    "Petugas kami akan segera membalas.",
).replace("\\n", "\n")
CURHAT_AUTOACK_AFTER_HOURS_TEXT = env(
    "CURHAT_AUTOACK_AFTER_HOURS_TEXT",
    "Terima kasih telah menghubungi Curhat Adminduk {kantor}.\n"
    "Pesan Anda kami terima dengan nomor tiket {nomor_tiket}.\n"
    "Saat ini di luar jam layanan ({jam_layanan}).\n"
    "Petugas akan membalas pada hari kerja berikutnya.",
).replace("\\n", "\n")
CURHAT_AFTER_INGEST_TASKS.append("tickets.knowledge.tasks.ticket_autoack_task")
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", ()), "tickets.knowledge.tasks"]

# --- Security and personal-data protection -----------------------------------------------------------
# Sign-in attempts per IP address (django-ratelimit; refused with 403), besides django-axes' lockout.
CURHAT_LOGIN_RATE = env("CURHAT_LOGIN_RATE", "20/m")
# Tracking-page views per IP (found or not), and webhook posts per IP and provider (empty: no cap;
# providers retry a 429, so nothing is lost, but keep it well above a provider's burst).
CURHAT_TRACKING_RATE_PER_IP = env("CURHAT_TRACKING_RATE_PER_IP", "60/m")
CURHAT_WEBHOOK_RATE_PER_IP = env("CURHAT_WEBHOOK_RATE_PER_IP", "6000/m")
# Days a finished ticket's content is kept when no retention policy in the admin matches it.
CURHAT_RETENTION_DAYS = env_int("CURHAT_RETENTION_DAYS", 730)
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", ()), "tickets.privacy.tasks"]
CELERY_BEAT_SCHEDULE["retention-sweep"] = {
    "task": "tickets.privacy_tasks.retention_sweep_task",
    "schedule": 3600.0,
    "options": {"expires": 3600},
}
