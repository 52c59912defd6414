"""Django and the platform: secrets, hosts, apps, database, Redis and Celery, auth, i18n, static files,
e-mail, the API, the content security policy and production security. The helpdesk's own settings
(CURHAT_*) are in ``helpdesk.py``."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from curhat.env import env, env_bool, env_int, env_list, env_secret, host_entry_problem
from curhat.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

PRODUCTION = env_bool("CURHAT_PRODUCTION", False)
# Production means DEBUG off, whatever DJANGO_DEBUG says (its debug pages show settings and data);
# DJANGO_DEBUG=1 there is refused by the system check curhat.E001.
CURHAT_DEBUG_REFUSED = PRODUCTION and env_bool("DJANGO_DEBUG", False)
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION) and not PRODUCTION

_DEV_SECRET = "dev-only-insecure-key-curhat-adminduk-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_secret("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY (atau DJANGO_SECRET_KEY_FILE) wajib diisi di produksi / "
        "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required in production"
    )
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY minimal 50 karakter di produksi / "
        "DJANGO_SECRET_KEY must be at least 50 characters long in production"
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Public base URL as the providers see it (Twilio signs the URL it called; behind a proxy the
# request's own host and scheme are not that URL). Unset in production: https:// and the first allowed
# host name that is a host name (not "*", nor an entry with a scheme or port, which check curhat.E002
# refuses); the deploy check (channels.E003) refuses an http:// or loopback one in production.
_PUBLIC_HOSTS = [
    h.lstrip(".") for h in ALLOWED_HOSTS if h.lstrip(".") not in {"", "*"} and not host_entry_problem(h)
]
_DEFAULT_PUBLIC_BASE_URL = (
    f"https://{_PUBLIC_HOSTS[0]}" if PRODUCTION and _PUBLIC_HOSTS else "http://127.0.0.1:8000"
)
PUBLIC_BASE_URL = env("CURHAT_PUBLIC_BASE_URL", _DEFAULT_PUBLIC_BASE_URL).rstrip("/")

DATA_DIR = Path(env("CURHAT_DATA_DIR", str(BASE_DIR / "var")))
# prometheus_client reads PROMETHEUS_MULTIPROC_DIR itself and takes an empty one ("NAME=" in an old
# .env) as set: metric files in the working folder (the image's /app, not writable). Empty is unset.
if "PROMETHEUS_MULTIPROC_DIR" in os.environ and not os.environ["PROMETHEUS_MULTIPROC_DIR"].strip():
    del os.environ["PROMETHEUS_MULTIPROC_DIR"]

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
    # Request id for the logs (X-Request-ID) and the latency histogram of /metrics (curhat/observe.py).
    "curhat.observe.RequestObservationMiddleware",
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
    "curhat.middleware.CacheOutageMiddleware",
    # Before any middleware or view reads the body (CSRF's process_view reads POST): the public
    # form's oversized posts are refused by their Content-Length.
    "tickets.public.middleware.PublicFormBodyCapMiddleware",
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
# The password may be given on its own (compose does): one with URL-special characters (@ : / # %)
# would otherwise have to be percent-encoded inside DATABASE_URL. Set, it replaces the URL's password.
DATABASE_PASSWORD = env_secret("DATABASE_PASSWORD")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASE_PASSWORD:
        DATABASES["default"]["PASSWORD"] = DATABASE_PASSWORD
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
# Two roles on PostgreSQL (docs/operations.md): DATABASE_URL is the app's role, which owns nothing;
# `migrate` and `db_app_role` connect as the owner given here (unset: DATABASE_URL, one role for all).
DATABASE_OWNER_URL = env_secret("DATABASE_OWNER_URL")
DATABASE_OWNER_PASSWORD = env_secret("DATABASE_OWNER_PASSWORD")  # as DATABASE_PASSWORD, for the owner

# --- Redis: Celery broker and cache ---------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Django's Redis backend, one client per connection pool (curhat/cache.py).
    # "default" fails soft when Redis is down (sessions fall back to the database, curhat/cache.py);
    # "ratelimit" fails loudly: public forms answer 503 then, signed webhooks count nothing.
    CACHES = {
        "default": {"BACKEND": "curhat.cache.SoftRedisCache", "LOCATION": REDIS_URL},
        "ratelimit": {"BACKEND": "curhat.cache.RedisCache", "LOCATION": REDIS_URL},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
    }
RATELIMIT_USE_CACHE = "ratelimit"
# Sessions read from the cache, written through to the database (kept across a cache restart).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Topics, departments, operators, canned answers and knowledge entries shown on the inbox's pages
# are cached (tickets.refdata); a change through the app shows at once, one made around it
# (SQL by hand) after at most this long.
CURHAT_REFDATA_CACHE_SECONDS = env_int("CURHAT_REFDATA_CACHE_SECONDS", 300)

# memory://localhost/ rather than memory://: kombu warns "No hostname was supplied" for the latter.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
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
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # The system page's "beat alive": beat schedules it, a worker stores the time (curhat/tasks.py).
    "beat-heartbeat": {"task": "curhat.tasks.beat_heartbeat", "schedule": 60.0, "options": {"expires": 60}},
}
# Workers log through Django's LOGGING (JSON in production, with the request id), not Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

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
AXES_CLIENT_IP_CALLABLE = "curhat.clientaddr.axes_client_ip"  # the address behind our proxy
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Inbox (issue 6): the lockout page in Indonesian, with the site's layout.
AXES_LOCKOUT_TEMPLATE = "axes_lockout.html"

# --- I18n and time --------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per context, in every language: curhat/formats/.
FORMAT_MODULE_PATH = ["curhat.formats"]
TIME_ZONE = env("CURHAT_TIME_ZONE", "Asia/Makassar")
USE_I18N = True
USE_TZ = True

# --- Static and uploads ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Unset (or empty, as in an old .env): BASE_DIR/staticfiles, where the image's collectstatic writes
# (/app/staticfiles), never the data folder, which holds no manifest (issue 18: every page a 500).
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Production serves the collected, hashed files (the manifest staticfiles.json, written by
# `collectstatic` run with CURHAT_PRODUCTION=1, as the Dockerfile does); /sehat/ reports a missing one.
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
    "DEFAULT_PERMISSION_CLASSES": ["tickets.api.permissions.HasStaffRole"],
    # DRF's browsable API, its inline styles moved to static CSS (the CSP has no 'unsafe-inline').
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "tickets.api.renderers.CspBrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's defaults, the JSON parser answering a body nested too deep with 400 (not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "tickets.api.parsers.JSONParserNoRecursion",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Curhat Adminduk API",
    "DESCRIPTION": "Tickets, messages, contacts, escalations, canned answers and the monthly tally.",
    "VERSION": "1.0.0",
    "SERVE_PERMISSIONS": ["tickets.api.permissions.HasStaffRole"],
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
# --- Observability (docs/operations.md) --------------------------------------------------------------
# /metrics answers a bearer token or a client inside these networks (CIDRs); with neither it is a 404.
CURHAT_METRICS_TOKEN = env_secret("CURHAT_METRICS_TOKEN")
CURHAT_METRICS_ALLOWED_NETWORKS = env_list("CURHAT_METRICS_ALLOWED_NETWORKS")
# "json" (the default in production): one JSON object per line with the request id; "plain" otherwise.
CURHAT_LOG_FORMAT = env("CURHAT_LOG_FORMAT", "json" if PRODUCTION else "plain")
if CURHAT_LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(
        f"CURHAT_LOG_FORMAT harus json atau plain, bukan {CURHAT_LOG_FORMAT!r} / "
        f"CURHAT_LOG_FORMAT must be json or plain, got {CURHAT_LOG_FORMAT!r}"
    )
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = logging_config(LOG_LEVEL, CURHAT_LOG_FORMAT)

if PRODUCTION:
    # Prometheus scrapes over the internal network, without the proxy's https.
    SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
