"""The helpdesk's own settings (CURHAT_*), by context: threading, channels in, e-mail and the website,
replies out, reports and the working calendar, escalation, knowledge base, personal data. Each context
adds its beat entries, task modules and context processors to the platform's settings here."""

from __future__ import annotations

from typing import cast

from django.core.exceptions import ImproperlyConfigured

from curhat.env import env, env_bool, env_float, env_int, env_list, env_rate, env_secret

from .base import CELERY_BEAT_SCHEDULE, CELERY_TASK_ALWAYS_EAGER, DATABASES, PRODUCTION, TEMPLATES

DATABASE_IS_POSTGRES = "postgresql" in DATABASES["default"]["ENGINE"]

# --- Curhat Adminduk ------------------------------------------------------------------------------
# Outbound messages are recorded, not sent, until sandbox mode is switched off.
CURHAT_SANDBOX = env_bool("CURHAT_SANDBOX", not PRODUCTION)
# A contact's message continues their non-closed ticket on the same channel when the ticket's last
# activity is this recent; otherwise it opens a new consultation.
CURHAT_THREAD_WINDOW_DAYS = env_int("CURHAT_THREAD_WINDOW_DAYS", 7)
# A citizen's short thank-you or sign-off this many hours after the office closed their ticket joins
# that closed ticket instead of opening a new one (the rule: tickets/closing.py); 0 switches it off.
CURHAT_CLOSED_GRACE_HOURS = env_int("CURHAT_CLOSED_GRACE_HOURS", 24)
# Longest message (characters) that can count as such a sign-off, and how many words it may hold
# besides the thanks and forms of address ("besok saya ke kantor").
CURHAT_CLOSING_MAX_CHARS = env_int("CURHAT_CLOSING_MAX_CHARS", 60)
CURHAT_CLOSING_MAX_OTHER_WORDS = env_int("CURHAT_CLOSING_MAX_OTHER_WORDS", 4)
# Celery tasks (dotted paths) enqueued with a new inbound message's id once it is committed.
CURHAT_AFTER_INGEST_TASKS: list[str] = []
# When each of them is worth enqueueing: "always", "new_ticket" or "remote_attachments" (default "always").
CURHAT_AFTER_INGEST_WHEN: dict[str, str] = {
    "channels.tasks.media_download": "remote_attachments",
    "tickets.knowledge.tasks.ticket_autoack_task": "new_ticket",
}
CURHAT_DEFAULT_REGION = env("CURHAT_DEFAULT_REGION", "ID")
CURHAT_OFFICE_NAME = env("CURHAT_OFFICE_NAME", "Disdukcapil Kota Parepare")
# The office's published contact points, shown on the citizen's front page. Defaults: Parepare's
# published WhatsApp and phone numbers (docs: /work/shared/domain.md); the e-mail address defaults
# to the first office mailbox (CURHAT_EMAIL_OFFICE_ADDRESSES) and is left out if there is none.
CURHAT_OFFICE_WHATSAPP = env("CURHAT_OFFICE_WHATSAPP", "0811-415-227")
CURHAT_OFFICE_PHONE = env("CURHAT_OFFICE_PHONE", "0811-428-227")
CURHAT_OFFICE_EMAIL = env("CURHAT_OFFICE_EMAIL", "")
CURHAT_OFFICE_FACEBOOK = env("CURHAT_OFFICE_FACEBOOK", "Disdukcapil Parepare")
CURHAT_OFFICE_FACEBOOK_URL = env(
    "CURHAT_OFFICE_FACEBOOK_URL", "https://www.facebook.com/search/top?q=Disdukcapil%20Parepare"
)

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
# The inbound queue (channels/pipeline.py). "queue": the webhook commits the event and answers;
# ``manage.py inbound_worker`` (woken by PostgreSQL NOTIFY) and the beat backstop apply it.
# "inline": the webhook applies it right after its commit (the embedded default: no workers).
CURHAT_INBOUND_PROCESSING = env(
    "CURHAT_INBOUND_PROCESSING",
    "queue" if DATABASE_IS_POSTGRES and not CELERY_TASK_ALWAYS_EAGER else "inline",
)
if CURHAT_INBOUND_PROCESSING not in ("queue", "inline"):
    raise ImproperlyConfigured(
        "CURHAT_INBOUND_PROCESSING harus 'queue' atau 'inline' / "
        "CURHAT_INBOUND_PROCESSING must be 'queue' or 'inline'"
    )
CURHAT_INBOUND_BATCH_SIZE = env_int("CURHAT_INBOUND_BATCH_SIZE", 20)
CURHAT_INBOUND_INLINE_BATCHES = env_int("CURHAT_INBOUND_INLINE_BATCHES", 1)
CURHAT_INBOUND_BACKSTOP_BATCHES = env_int("CURHAT_INBOUND_BACKSTOP_BATCHES", 50)
# Transient failures (deadlock, lost connection, lock timeout) retry after base·2^(n-1) s, capped.
CURHAT_INBOUND_RETRY_BASE_SECONDS = env_int("CURHAT_INBOUND_RETRY_BASE_SECONDS", 2)
CURHAT_INBOUND_RETRY_MAX_SECONDS = env_int("CURHAT_INBOUND_RETRY_MAX_SECONDS", 300)
# The worker drains at least this often even when no NOTIFY woke it (the backstop).
CURHAT_INBOUND_IDLE_SECONDS = env_int("CURHAT_INBOUND_IDLE_SECONDS", 5)
# A worker waits at most this long for a row lock (PostgreSQL lock_timeout) before putting the event back.
CURHAT_INBOUND_LOCK_TIMEOUT_MS = env_int("CURHAT_INBOUND_LOCK_TIMEOUT_MS", 3000)
CELERY_BEAT_SCHEDULE["channels-inbound-drain"] = {
    "task": "channels.tasks.inbound_drain_task",
    "schedule": 30.0,
}
CURHAT_WEBHOOK_ACCOUNT_MEMORY_SECONDS = env_float("CURHAT_WEBHOOK_ACCOUNT_MEMORY_SECONDS", 10.0)
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
# Messenger contacts get their name from the Graph API user profile (channels.profiles): asked once
# per new contact on its first ticket; a sweeper asks for those whose task was lost.
CURHAT_AFTER_INGEST_TASKS.append("channels.tasks.messenger_profile_fetch_after_ingest")
CURHAT_AFTER_INGEST_WHEN["channels.tasks.messenger_profile_fetch_after_ingest"] = "new_ticket"
CURHAT_PROFILE_FETCH_MAX_ATTEMPTS = env_int("CURHAT_PROFILE_FETCH_MAX_ATTEMPTS", 5)
CURHAT_PROFILE_FETCH_BACKOFF_SECONDS = env_int("CURHAT_PROFILE_FETCH_BACKOFF_SECONDS", 30)
CURHAT_PROFILE_SWEEP_AFTER_SECONDS = env_int("CURHAT_PROFILE_SWEEP_AFTER_SECONDS", 15 * 60)
CELERY_BEAT_SCHEDULE["channels-messenger-profile-sweep"] = {
    "task": "channels.tasks.messenger_profile_sweep",
    "schedule": 15 * 60,
    "options": {"expires": 15 * 60},
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
# Behind a reverse proxy, the META key holding the client's address (e.g. HTTP_X_REAL_IP), read by
# curhat.clientaddr for the whole site. django-ratelimit asks that module too (a header holding a list
# or garbage would otherwise be a 500 on every rate-limited POST: sign-in, the public form, webhooks).
CURHAT_CLIENT_IP_META_KEY = env("CURHAT_RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
RATELIMIT_IP_META_KEY = "curhat.clientaddr.ratelimit_ip"
# When that header is a list (X-Forwarded-For): how many proxies of ours appended to it; the client's
# address is that many entries from the right (curhat.clientaddr).
CURHAT_TRUSTED_PROXIES = env_int("CURHAT_TRUSTED_PROXIES", 1)

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
CURHAT_TOPIC_CONFIDENCE_THRESHOLD = env_float("CURHAT_TOPIC_CONFIDENCE_THRESHOLD", 0.6)
# Added to the denominator of the confidence: one weak clue alone stays below the threshold.
CURHAT_CLASSIFIER_PRIOR = env_float("CURHAT_CLASSIFIER_PRIOR", 1.0)
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
# New tickets whose first-reply task was lost (broker down at the publish, worker killed) are
# finished by this sweep once they are this old without a topic suggestion.
CURHAT_AUTOACK_SWEEP_AFTER_SECONDS = env_int("CURHAT_AUTOACK_SWEEP_AFTER_SECONDS", 120)
CELERY_BEAT_SCHEDULE["autoack-sweep"] = {
    "task": "tickets.knowledge_tasks.autoack_sweep_task",
    "schedule": 60.0,
}
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", ()), "tickets.knowledge.tasks"]

# --- Security and personal-data protection -----------------------------------------------------------
# Sign-in attempts per IP address on /masuk/ and /admin/login/ together (django-ratelimit; refused
# with 403), besides django-axes' lockout. "count/period" (checked at start: curhat.E003).
CURHAT_LOGIN_RATE = env_rate("CURHAT_LOGIN_RATE", "20/m")
# Tracking-page views per IP (found or not), and webhook posts per IP and provider ("off": no cap;
# providers retry a 429, so nothing is lost, but keep it well above a provider's burst).
CURHAT_TRACKING_RATE_PER_IP = env_rate("CURHAT_TRACKING_RATE_PER_IP", "60/m")
# Tries of /lacak/ (ticket number + phone or e-mail) per client address.
CURHAT_TRACKING_LOOKUP_RATE_PER_IP = env_rate("CURHAT_TRACKING_LOOKUP_RATE_PER_IP", "20/h")
CURHAT_WEBHOOK_RATE_PER_IP = env_rate("CURHAT_WEBHOOK_RATE_PER_IP", "6000/m")
# Days a finished ticket's content is kept when no retention policy in the admin matches it.
CURHAT_RETENTION_DAYS = env_int("CURHAT_RETENTION_DAYS", 730)
# Days a provider's raw request (channels.InboundEvent: replay after a fix) is kept, whatever its
# outcome; the retention sweep deletes older ones (they repeat the citizen's name, number and text).
CURHAT_INBOUND_EVENT_RETENTION_DAYS = env_int("CURHAT_INBOUND_EVENT_RETENTION_DAYS", 30)
# The key of the NIK/KK index's hashes (tickets.privacy.nik.number_digest), not SECRET_KEY: rotating the
# secret key must not break search and erasure by NIK. Required in production (refused here when
# unset; system checks tickets.E010–E014: long, not the secret key, not this published development
# key); changed with `manage.py nik_rehash --old-key-file FILE`.
CURHAT_NIK_HASH_KEY_DEV_DEFAULT = "dev-only-nik-hash-key-curhat-adminduk-do-not-use-in-production"
CURHAT_NIK_HASH_KEY = env_secret("CURHAT_NIK_HASH_KEY", "" if PRODUCTION else CURHAT_NIK_HASH_KEY_DEV_DEFAULT)
if PRODUCTION and not CURHAT_NIK_HASH_KEY:
    raise ImproperlyConfigured("CURHAT_NIK_HASH_KEY (or CURHAT_NIK_HASH_KEY_FILE) is required in production")
CELERY_IMPORTS = [*globals().get("CELERY_IMPORTS", ()), "tickets.privacy.tasks", "channels.datadeletion"]
CELERY_BEAT_SCHEDULE["retention-sweep"] = {
    "task": "tickets.privacy_tasks.retention_sweep_task",
    "schedule": 3600.0,
    "options": {"expires": 3600},
}
