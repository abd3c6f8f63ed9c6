"""Settings, read from the environment. Every variable and its default is listed in .env.example."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from contactcenter import queues
from contactcenter.local_secrets import load_secrets
from contactcenter.redis_urls import celery_url, default_socket

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CC_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


_secrets = load_secrets(VAR_DIR)
SECRET_KEY = _secrets["SECRET_KEY"]
# Older SECRET_KEYs, still accepted for sessions, password-reset links and signed values while a
# new SECRET_KEY takes over (comma-separated); remove them after SESSION_COOKIE_AGE has passed.
SECRET_KEY_FALLBACKS = [
    key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
]
# One Fernet key, or several comma-separated, newest first (rotation: docs/security.md).
FIELD_ENCRYPTION_KEY = _secrets["FIELD_ENCRYPTION_KEY"]

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Browsers that saw the portal over HTTPS refuse plain HTTP to it for this long.
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
# A signed-in session ends this many seconds after sign-in (default: 12 hours, one shift).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", "43200"))

# Content-Security-Policy (django-csp 4): scripts and styles only from the portal's own files, no
# inline <script> or on*= handlers, nothing from other sites. Websockets go to the same host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "channels",
    "accounts",
    "agents",
    "conversations",
    "providers",
    "campaigns",
    "dialer",
    "monitoring",
    "recordings",
    "simulator",
    "reports",
    "axes",  # sign-in lockout after repeated failures (brute force)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into the "sign-in locked" page
]

ROOT_URLCONF = "contactcenter.urls"
# Benchmarks only (bench/bench_interactions.py): mounts /bench/ok, a trivial view answering 200,
# the baseline the webhook's throughput is measured against on the same server. Never in prod.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)
ASGI_APPLICATION = "contactcenter.asgi.application"
WSGI_APPLICATION = "contactcenter.wsgi.application"

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
                "contactcenter.menu.menu_context",
            ],
        },
    },
]

# Database: SQLite file by default, DATABASE_URL (postgres://...) in production and CI.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'contactcenter.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    )
}
# PostgreSQL behind ASGI: Django runs each request's synchronous code in a thread of its own, so
# a persistent connection (CONN_MAX_AGE) is one per request thread (left open until collected),
# and none (CONN_MAX_AGE=0) is a new connection, about 3 ms, per request. DB_POOL=1 takes them
# from a psycopg pool instead (production: docker-compose.yml sets it; docs/deploy.md).
if env_bool("DB_POOL", False) and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 20}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # WAL: readers never wait for a writer (a big upload), and writers queue for up to `timeout`
    # seconds instead of failing with "database is locked". Set on every connection (the mode is
    # persistent in the file; setting it again costs nothing).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lockout (django-axes), for the portal's and the Django admin's login forms alike: after
# LOGIN_FAILURE_LIMIT failures for one username, or from one address, sign-in is refused for
# LOGIN_LOCKOUT_MINUTES (a failure during the lockout restarts it). Admins unlock in the Django
# admin ("Unlock sign-in" on users, or delete the access attempt). API tokens are not affected.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out credentials
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# "username,ip_address": each counted on its own. Offices where every agent shares one public
# address may prefer "username,username+ip_address" (a "+" combines parameters).
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in (
        part.strip()
        for part in os.environ.get("LOGIN_LOCKOUT_BY", "username,ip_address").split(",")
    )
    if item
]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# A success must not wipe the failures counted for an address (an attacker with an account of
# their own could otherwise reset the address counter between guesses).
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Redis: one server for the Celery broker, Celery results and the Channels layer.
# Without REDIS_URL, `make run` (and `make test`) start a private Redis on this socket.
REDIS_URL = os.environ.get("REDIS_URL", f"unix://{default_socket(VAR_DIR)}")
CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = celery_url(REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues and routes are named in contactcenter/queues.py (dialer batches have their own queue).
CELERY_TASK_DEFAULT_QUEUE = queues.DEFAULT
CELERY_TASK_ROUTES = queues.ROUTES
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = os.environ.get("TIME_ZONE", "UTC")
CELERY_BEAT_SCHEDULE = {
    # Settles dead workers' batches and starts sending where dialers are running and open.
    # DIALER_TICK_SECONDS: the tests' workers tick faster, so they wait less for the beat.
    "dialer-tick": {
        "task": "dialer.tasks.tick",
        "schedule": float(os.environ.get("DIALER_TICK_SECONDS", "2")),
    },
    # Resumes stored work whose task was never published (Redis away): contactcenter/sweeper.py.
    "sweeper": {
        "task": "contactcenter.sweep",
        "schedule": float(os.environ.get("SWEEP_EVERY", "15")),
    },
    # Campaigns that opened, agents whose presence lapsed: conversations/tasks.py.
    "interactions-tick": {
        "task": "conversations.tasks.tick",
        "schedule": float(os.environ.get("INTERACTIONS_TICK_SECONDS", "5")),
    },
    # Deletes messages older than MESSAGE_RETENTION_DAYS, in chunks: recordings/retention.py.
    "message-retention": {
        "task": "recordings.tasks.apply_retention",
        "schedule": float(os.environ.get("RETENTION_EVERY", "3600")),
    },
    # Deletes the files of exports finished EXPORT_KEEP_HOURS ago: recordings/exports.py.
    "export-expiry": {
        "task": "recordings.tasks.expire_exports",
        "schedule": float(os.environ.get("EXPORT_EXPIRY_EVERY", "3600")),
    },
}
# Recordings: keep messages this many days (unset: for ever); retention deletes this many
# interactions per transaction and pauses this long between chunks. An export whose heartbeat
# stopped this many seconds ago had its worker die: the sweeper fails it for a retry.
MESSAGE_RETENTION_DAYS = (
    int(os.environ["MESSAGE_RETENTION_DAYS"]) if os.environ.get("MESSAGE_RETENTION_DAYS") else None
)
RETENTION_CHUNK = int(os.environ.get("RETENTION_CHUNK", "500"))
RETENTION_PAUSE = float(os.environ.get("RETENTION_PAUSE", "0.05"))
EXPORT_STALE_SECONDS = float(os.environ.get("EXPORT_STALE_SECONDS", "120"))
# A finished (done or failed) export's file is deleted this many hours after it finished and
# the job shows as expired (the beat job above, hourly).
EXPORT_KEEP_HOURS = float(os.environ.get("EXPORT_KEEP_HOURS", "72"))
# Web processes remember a webhook's provider this many seconds (providers/services.py); a
# provider changed in another process applies to webhooks within this time. 0: read every time.
WEBHOOK_PROVIDER_SECONDS = float(os.environ.get("WEBHOOK_PROVIDER_SECONDS", "5"))
# The sweeper resumes stored work still unprocessed after this many seconds.
SWEEP_AFTER_SECONDS = float(os.environ.get("SWEEP_AFTER_SECONDS", "10"))
# Seconds between a Sandbox provider's "sent" and "delivered" reports (simulator.deliveries).
SANDBOX_DELIVERED_AFTER = float(os.environ.get("SANDBOX_DELIVERED_AFTER", "1"))
# The simulator page reads its conversation again this often (a missed event's safety net).
SIMULATOR_POLL_SECONDS = float(os.environ.get("SIMULATOR_POLL_SECONDS", "10"))
# SMS dialer: batch tasks in flight per dialer (keep below the workers' total concurrency so a
# slow provider never takes every worker), and how long one task sends before handing over.
DIALER_PARALLEL_BATCHES = int(os.environ.get("DIALER_PARALLEL_BATCHES", "4"))
DIALER_TASK_SECONDS = float(os.environ.get("DIALER_TASK_SECONDS", "20"))
# Sends in flight at once inside one batch (provider latency, not CPU, bounds a sequential loop).
DIALER_SEND_CONCURRENCY = int(os.environ.get("DIALER_SEND_CONCURRENCY", "8"))
# A customer's reply reaches the campaign whose dialer wrote to them within this many days.
DIALER_REPLY_DAYS = int(os.environ.get("DIALER_REPLY_DAYS", "7"))
# Interactions: an agent with no live inbox socket (and no API state call) for this many
# seconds is disconnected, and their interactions go back to the head of their queues.
AGENT_PRESENCE_GRACE = float(os.environ.get("AGENT_PRESENCE_GRACE", "120"))
# How often an open inbox socket refreshes its agent's presence (well below the grace).
AGENT_PRESENCE_HEARTBEAT = float(os.environ.get("AGENT_PRESENCE_HEARTBEAT", "30"))
# WhatsApp: free text only this many hours after the customer's last message.
WHATSAPP_WINDOW_HOURS = int(os.environ.get("WHATSAPP_WINDOW_HOURS", "24"))
# Seconds beyond the slowest possible send before a silent worker's batch is settled by others.
DIALER_HEARTBEAT_MARGIN = int(os.environ.get("DIALER_HEARTBEAT_MARGIN", "30"))
# Characters refused in CSV text fields (configurable).
SPOOL_FORBIDDEN_CHARACTERS = os.environ.get("SPOOL_FORBIDDEN_CHARACTERS", '´‘’“”"@')
# The longest SMS text accepted anywhere (SendSMS, CSV lines, forms, API): providers.text.
SMS_MAX_LENGTH = int(os.environ.get("SMS_MAX_LENGTH", "1600"))

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "cc:channels"},
    }
}

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
DEFAULT_PHONE_REGION = os.environ.get("DEFAULT_PHONE_REGION", "UY")
# The portal's public address, for webhook URLs given to providers (status callbacks). Empty:
# pages show the address they are served on, and sends ask for no per-message status callback.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded files (CSV uploads until they are loaded) go through Django's storage API, so web and
# workers on different machines share them: a directory every process mounts at MEDIA_ROOT, or
# an S3-compatible bucket (django-storages: FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage
# and its options as JSON in FILE_STORAGE_OPTIONS; see docs/deploy.md). Never served publicly.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(os.environ.get("FILE_STORAGE_OPTIONS") or "{}"),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "contactcenter.pagination.LimitOffsetPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "contactcenter API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "contactcenter.schema.document_error_responses",
    ],
}

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "contactcenter.logformat.JsonFormatter"}},
    "filters": {"webhook_tokens": {"()": "contactcenter.logformat.MaskWebhookTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["webhook_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # The Vonage SDK logs request headers (Basic credentials) at DEBUG: never below INFO.
        "vonage_http_client": {"level": "INFO"},
        "twilio.http_client": {"level": "WARNING"},
        # urllib3 logs every request line at DEBUG: URL templates may carry {password}.
        "urllib3": {"level": "INFO"},
        # Request paths are logged here; a webhook path carries the provider's token.
        "django.request": {"filters": ["webhook_tokens"]},
        "uvicorn.access": {"filters": ["webhook_tokens"]},
    },
}
