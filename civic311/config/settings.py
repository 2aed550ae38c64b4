"""Civic311 settings: safe embedded defaults (SQLite, one machine), overridden from the
environment in production (see docs/configuration.md)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CIVIC311_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("CIVIC311_DEBUG", False)
SECRET_KEY = os.environ.get("CIVIC311_SECRET_KEY", "")
if not SECRET_KEY:
    # The embedded demo keeps a generated key on disk so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        SECRET_KEY = "insecure-development-key-set-CIVIC311_SECRET_KEY"  # noqa: S105
ALLOWED_HOSTS = os.environ.get("CIVIC311_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CIVIC311_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_q",
    "civic311.audit",
    "civic311.places",
    "civic311.catalog",
    "civic311.cases",
    "civic311.contacts",
    "civic311.imports",
    "civic311.privacy",
    "civic311.portal",
    "civic311.open311",
    "civic311.staff",
    "civic311.knowledge",
    "civic311.notices",
    "civic311.insight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "civic311.places.middleware.JurisdictionTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "civic311.config.urls"
WSGI_APPLICATION = "civic311.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civic311.places.context_processors.jurisdiction",
                "civic311.knowledge.context_processors.emergency_campaign",
                "civic311.staff.navigation.staff_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'civic311.sqlite3'}",
        conn_max_age=int(os.environ.get("CIVIC311_DB_CONN_MAX_AGE", "60")),
    )
}
# PostgreSQL: the intake's statements are prepared once per connection (config.prepared).
# Turn off behind a pooler in transaction mode, where a session is not the application's.
CIVIC311_DB_PREPARED_STATEMENTS = env_bool("CIVIC311_DB_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and CIVIC311_DB_PREPARED_STATEMENTS:
    # Planned once: by default PostgreSQL plans the duplicate search afresh at every run (its
    # custom plan is estimated cheaper than the generic one, which is the same plan). Only
    # those statements are prepared; every other query is planned as it comes.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker or an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "civic311" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # stored and computed in UTC; shown in the jurisdiction's zone

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("CIVIC311_STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("CIVIC311_MEDIA_ROOT", VAR_DIR / "media"))

LOGIN_URL = "staff:login"

# Map tiles are a setting: cities point this at their own tile server. Empty means no
# base map; pages draw polygons and points on a plain background.
CIVIC311_TILE_URL = os.environ.get("CIVIC311_TILE_URL", "")
CIVIC311_TILE_ATTRIBUTION = os.environ.get("CIVIC311_TILE_ATTRIBUTION", "")

# The database-backed task queue (django-q2's ORM broker). "retry" is the lease: a task
# taken by a worker that dies (even by SIGKILL) is handed out again after that many
# seconds, so nothing stays "running" forever.
Q_CLUSTER = {
    "name": "civic311",
    "orm": "default",
    "workers": int(os.environ.get("CIVIC311_WORKERS", "2")),
    "timeout": 240,
    "retry": 300,
    "max_attempts": 5,
    "catch_up": False,
    "poll": 1,
    "ack_failures": True,
    "save_limit": 1000,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CIVIC311_LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_SSL_REDIRECT = env_bool("CIVIC311_SSL_REDIRECT", False)
    SESSION_COOKIE_SECURE = env_bool("CIVIC311_SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# New requests get public ids like "311-123456"; imported ones keep their source's ids.
CIVIC311_REQUEST_ID_PREFIX = os.environ.get("CIVIC311_REQUEST_ID_PREFIX", "311-")

# --- notices ---
# Outbound messages (civic311.notices): channels, limits and the delivery worker's lease.
if os.environ.get("CIVIC311_SMTP_HOST"):
    EMAIL_HOST = os.environ["CIVIC311_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("CIVIC311_SMTP_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("CIVIC311_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("CIVIC311_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("CIVIC311_SMTP_TLS", False)
elif os.environ.get("CIVIC311_EMAIL_FILE_PATH"):
    # No mail server (the demo): each message is written as a file in this directory.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["CIVIC311_EMAIL_FILE_PATH"]
NOTICES_FROM_EMAIL = os.environ.get("CIVIC311_NOTICES_FROM", "311 <no-reply@civic311.localhost>")
NOTICES_MESSAGE_ID_DOMAIN = os.environ.get("CIVIC311_MESSAGE_ID_DOMAIN", "civic311.localhost")
# The public address of the site, for links in messages (tracking, unsubscribe).
NOTICES_SITE_URL = os.environ.get("CIVIC311_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
NOTICES_SMS_PROVIDER = {
    "class": os.environ.get("CIVIC311_SMS_PROVIDER_CLASS", "civic311.notices.channels.HttpSmsProvider"),
    "url": os.environ.get("CIVIC311_SMS_URL", "http://127.0.0.1:9/sms"),
    "token": os.environ.get("CIVIC311_SMS_TOKEN", ""),
    "sender": os.environ.get("CIVIC311_SMS_SENDER", "311"),
}
NOTICES_WEBHOOK_SECRET = os.environ.get("CIVIC311_WEBHOOK_SECRET", SECRET_KEY)
NOTICES_HTTP_TIMEOUT = float(os.environ.get("CIVIC311_NOTICES_HTTP_TIMEOUT", "10"))
# Messages per second each channel may take, shared by every worker (None: no limit).
NOTICES_RATE_LIMITS: dict[str, int | None] = {
    "email": int(os.environ.get("CIVIC311_EMAIL_RATE", "2000")),
    "sms": int(os.environ.get("CIVIC311_SMS_RATE", "20")),
    "webhook": int(os.environ.get("CIVIC311_WEBHOOK_RATE", "50")),
}
NOTICES_BATCH_SIZE = int(os.environ.get("CIVIC311_NOTICES_BATCH", "200"))
# A worker owns a claimed batch for this long; a killed worker's batch is taken again after it.
NOTICES_LEASE_SECONDS = float(os.environ.get("CIVIC311_NOTICES_LEASE", "60"))
NOTICES_TASK_SECONDS = float(os.environ.get("CIVIC311_NOTICES_TASK_SECONDS", "30"))
NOTICES_MAX_ATTEMPTS = int(os.environ.get("CIVIC311_NOTICES_MAX_ATTEMPTS", "8"))
NOTICES_RETRY_BASE_SECONDS = float(os.environ.get("CIVIC311_NOTICES_RETRY_BASE", "30"))
NOTICES_RETRY_MAX_SECONDS = float(os.environ.get("CIVIC311_NOTICES_RETRY_MAX", "3600"))
# Webhooks to private or loopback addresses are refused unless this is set.
NOTICES_WEBHOOK_ALLOW_PRIVATE = env_bool("CIVIC311_WEBHOOK_ALLOW_PRIVATE", False)

# --- portal ---
# Reports one client may send through the portal's form per window (a bot cannot flood
# the queues); the window is counted in the database and shared by every process.
PORTAL_REPORTS_PER_WINDOW = int(os.environ.get("CIVIC311_PORTAL_REPORTS_PER_WINDOW", "10"))
PORTAL_REPORT_WINDOW_SECONDS = int(os.environ.get("CIVIC311_PORTAL_REPORT_WINDOW_SECONDS", "3600"))
# Recent requests near a point: how far (metres) and how far back (days).
PORTAL_NEARBY_RADIUS_M = float(os.environ.get("CIVIC311_PORTAL_NEARBY_RADIUS_M", "800"))
PORTAL_NEARBY_DAYS = int(os.environ.get("CIVIC311_PORTAL_NEARBY_DAYS", "90"))

# --- insight ---
# The early-warning alarm rule (civic311/insight/alarm_rule.py; measured in bench/EARLY_WARNING.md)
# and per-type overrides by service type code, e.g. {"graffiti": {"min_cases": 12}}.
CIVIC311_INSIGHT_ALARM_RULE = {
    "recurrence_days": float(os.environ.get("CIVIC311_INSIGHT_RECURRENCE_DAYS", "100")),
    "historical_recurrence_days": float(os.environ.get("CIVIC311_INSIGHT_HISTORICAL_RECURRENCE_DAYS", "40")),
    "min_cases": int(os.environ.get("CIVIC311_INSIGHT_MIN_CASES", "2")),
    "min_relative_risk": float(os.environ.get("CIVIC311_INSIGHT_MIN_RELATIVE_RISK", "0")),
    "episode_gap_days": 7,
}
CIVIC311_INSIGHT_ALARM_RULE_BY_TYPE: dict[str, dict[str, float | int | bool]] = {}
# Per-series detectors that raise alerts ("EWMA", "C1", "C2", "C3"); all are kept in each run's summary.
CIVIC311_INSIGHT_SERIES_ALERTS = ("EWMA",)
CIVIC311_INSIGHT_REPLICATIONS = int(os.environ.get("CIVIC311_INSIGHT_REPLICATIONS", "999"))
CIVIC311_INSIGHT_MAX_RADIUS_KM = float(os.environ.get("CIVIC311_INSIGHT_MAX_RADIUS_KM", "3"))
CIVIC311_INSIGHT_WORKERS = int(os.environ.get("CIVIC311_INSIGHT_WORKERS", "1"))
# How residents reach 311, printed on the neighborhood report ("website" defaults to the portal).
CIVIC311_INSIGHT_REPORT_CONTACT = {
    "phone": os.environ.get("CIVIC311_CONTACT_PHONE", "311"),
    "phone_outside": os.environ.get("CIVIC311_CONTACT_PHONE_OUTSIDE", ""),
}

# --- contacts ---
# The agent desk (docs/desk.md): the channels agents start contacts on, and how many days
# a caller's next contact makes their previous one "not resolved at first contact".
CIVIC311_DESK: dict[str, object] = {
    "channels": ["phone", "walk_in", "email", "chat", "social", "mobile_unit"],
    "fcr_window_days": 7,
}

# --- knowledge ---
# Which sites may frame the FAQ widget (CSP frame-ancestors sources, space separated in
# the environment); "*" lets any city or partner site embed it. The rest of the site keeps
# X-Frame-Options: DENY.
KNOWLEDGE_WIDGET_FRAME_ANCESTORS = os.environ.get("CIVIC311_WIDGET_FRAME_ANCESTORS", "*").split()

# --- intake and Open311 caches ---
# Reference rows (service types and questions, statuses, routing rules, calendars, layers)
# are cached per process: a save in the same process is seen at once, others' within this.
CIVIC311_REFERENCE_CACHE_SECONDS = int(os.environ.get("CIVIC311_REFERENCE_CACHE_SECONDS", "10"))
# Rendered answers of Open311 requests/{id} (0 turns the cache off).
CIVIC311_OPEN311_ANSWER_CACHE_SECONDS = int(os.environ.get("CIVIC311_OPEN311_ANSWER_CACHE_SECONDS", "10"))
