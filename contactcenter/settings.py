"""Settings, read from the environment. Every variable and its default is listed in .env.example."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

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
    "channels",
    "accounts",
    "agents",
    "providers",
    "campaigns",
    "dialer",
    "monitoring",
    "recordings",
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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "contactcenter.urls"
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
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
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
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = os.environ.get("TIME_ZONE", "UTC")
CELERY_BEAT_SCHEDULE = {
    # Settles dead workers' batches and starts sending where dialers are running and open.
    "dialer-tick": {"task": "dialer.tasks.tick", "schedule": 2.0},
}
# SMS dialer: batch tasks in flight per dialer (keep below the workers' total concurrency so a
# slow provider never takes every worker), and how long one task sends before handing over.
DIALER_PARALLEL_BATCHES = int(os.environ.get("DIALER_PARALLEL_BATCHES", "4"))
DIALER_TASK_SECONDS = float(os.environ.get("DIALER_TASK_SECONDS", "20"))
# Sends in flight at once inside one batch (provider latency, not CPU, bounds a sequential loop).
DIALER_SEND_CONCURRENCY = int(os.environ.get("DIALER_SEND_CONCURRENCY", "8"))
# A customer's reply reaches the campaign whose dialer wrote to them within this many days.
DIALER_REPLY_DAYS = int(os.environ.get("DIALER_REPLY_DAYS", "7"))
# Seconds beyond the slowest possible send before a silent worker's batch is settled by others.
DIALER_HEARTBEAT_MARGIN = int(os.environ.get("DIALER_HEARTBEAT_MARGIN", "30"))
# Characters refused in CSV text fields (configurable).
SPOOL_FORBIDDEN_CHARACTERS = os.environ.get("SPOOL_FORBIDDEN_CHARACTERS", '´‘’“”"@')

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
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "contactcenter API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
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
