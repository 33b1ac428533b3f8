"""The one settings module. Every value that differs between machines comes from the
environment through the typed readers in :mod:`ladder.env`."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from ladder.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LADDER_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("LADDER_DEBUG", False)
_secret = env_str("LADDER_SECRET_KEY", "")
if not _secret:
    if not DEBUG and env_bool("LADDER_REQUIRE_SECRET", False):
        raise ConfigError("LADDER_SECRET_KEY must be set in production")
    # Only for the embedded desk and tests; `ladder check --deploy` flags it.
    _secret = "django-insecure-ladder-local-only-key-change-me-in-production"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("LADDER_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "template_partials",
    "axes",
    "djmoney",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "ladder.tenancy",
    "ladder.customers",
    "ladder.cases",
    "ladder.deadlines",
    "ladder.delivery",
    "ladder.playbooks",
    "ladder.surveys",
    "ladder.programs",
    "ladder.churn",
    "ladder.retention",
    "ladder.health",
    "ladder.signals",
    "ladder.api",
    "ladder.ops",
    "ladder.web",
    # Plug-ins: apps of your own (deadline kinds, transports) that the worker and the web
    # server load too. The worker tests use it to register a deadline kind of their own.
    *env_list("LADDER_EXTRA_APPS", []),
]

MIDDLEWARE = [
    # First: an API client's request (bearer token, no session cookie) takes
    # API_MIDDLEWARE below instead of the rest of this list (see ladder/api/lean.py).
    "ladder.api.lean.BearerRequests",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ladder.api.large_bodies.LargeBodies",
    "ladder.api.middleware.RequestText",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ladder.web.middleware.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

# What an API client's request runs through: the pages' session, CSRF, sign-in,
# messages, htmx, static files and page policy are no business of a bearer-token client.
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ladder.api.large_bodies.LargeBodies",
    "ladder.api.middleware.RequestText",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ladder.api.lean.JsonPolicy",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:my_work"
LOGOUT_REDIRECT_URL = "web:login"

# Sign-in lock-out (django-axes): five failures for one user from one address lock that
# pair out for fifteen minutes.
AXES_FAILURE_LIMIT = env_int("LADDER_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LADDER_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

ROOT_URLCONF = "ladder.urls"
WSGI_APPLICATION = "ladder.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "ladder.web.context.desk",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'ladder.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_db),
        conn_max_age=env_int("LADDER_DB_CONN_MAX_AGE", 0),
    )
}
# PostgreSQL: statements a connection runs again and again (the token lookup, the
# list's page, a create's inserts) are prepared after this many runs and then planned
# only once a connection, which saves a third to a half of their database time. It needs
# server-side parameter binding and a session of its own: 0 turns both off, as it must
# be behind PgBouncer in transaction pooling mode (see docs/deployment.md).
PG_PREPARE_THRESHOLD = env_int("LADDER_PG_PREPARE_THRESHOLD", 5)
if PG_PREPARE_THRESHOLD < 0:
    raise ConfigError(
        f"LADDER_PG_PREPARE_THRESHOLD={PG_PREPARE_THRESHOLD} is negative (0 turns it off)"
    )
# A prepared statement is still planned afresh on every run while PostgreSQL's
# plan_cache_mode is "auto" and it guesses that a plan for the actual values beats
# the generic one, as it does for the case list's page (1.4 ms a run instead of 0.7).
# Ladder's queries are short index lookups behind composite indexes made for them,
# whose generic plan is the plan for any value, so Ladder asks for generic plans.
PG_PLAN_CACHE_MODE = env_str("LADDER_PG_PLAN_CACHE_MODE", "force_generic_plan")
if PG_PLAN_CACHE_MODE not in {"auto", "force_generic_plan", "force_custom_plan"}:
    raise ConfigError(
        f"LADDER_PG_PLAN_CACHE_MODE={PG_PLAN_CACHE_MODE!r} is not auto, force_generic_plan"
        " or force_custom_plan"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and PG_PREPARE_THRESHOLD:
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": PG_PREPARE_THRESHOLD,
        "options": f"-c plan_cache_mode={PG_PLAN_CACHE_MODE}",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the worker and the web server read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "ladder" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves static files from the app itself, in production too: no CDN.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Content security policy (django-csp): our own origin only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    # The API's interactive docs (Swagger UI) ship an inline style of their own.
    "EXCLUDE_URL_PREFIXES": ["/api/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# The public complaint form: how many submissions one address may make per hour.
LADDER_PUBLIC_FORM_PER_HOUR = env_int("LADDER_PUBLIC_FORM_PER_HOUR", 5)

TASKS = {
    "default": {
        "BACKEND": env_str("LADDER_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Money: the currencies an organization may keep its books in.
CURRENCIES = ("USD", "EUR", "GBP", "CNY", "HKD", "SGD", "AUD", "CAD", "JPY", "PHP")

# Production hardening: on unless LADDER_DEBUG is set.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("LADDER_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("LADDER_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("LADDER_CSRF_TRUSTED_ORIGINS", [])

_log_level = env_str("LADDER_LOG_LEVEL", "WARNING").upper()
if _log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ConfigError(
        f"LADDER_LOG_LEVEL={_log_level!r} is not DEBUG, INFO, WARNING, ERROR or CRITICAL"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _log_level},
}

# API limits: the largest body we parse, and the longest page we return.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
# …except the bulk signal routes (10,000 rows with notes): see ladder/api/large_bodies.py.
LADDER_BULK_BODY_MAX = env_int("LADDER_BULK_BODY_MAX", 32 * 1024 * 1024)
LADDER_PAGE_SIZE_MAX = 200

# --- The worker: deadlines and the delivery outbox (see docs/deployment.md) -----------
# A deadline whose handler raises is retried after 30 s, 60 s, 120 s … (with jitter),
# then marked fired with outcome "failed" after the last attempt.
LADDER_DEADLINE_MAX_ATTEMPTS = env_int("LADDER_DEADLINE_MAX_ATTEMPTS", 5)
LADDER_DEADLINE_RETRY_SECONDS = env_int("LADDER_DEADLINE_RETRY_SECONDS", 30)
# Outgoing e-mail, webhooks and chat: attempts before a delivery fails for good, the first
# retry's delay (doubling, with jitter, up to six hours), how long a worker's claim on a
# delivery lasts before another worker may take it over (longer than any send), and the
# HTTP timeout of a webhook or chat post.
LADDER_DELIVERY_MAX_ATTEMPTS = env_int("LADDER_DELIVERY_MAX_ATTEMPTS", 10)
LADDER_DELIVERY_BACKOFF_SECONDS = env_int("LADDER_DELIVERY_BACKOFF_SECONDS", 30)
LADDER_DELIVERY_CLAIM_SECONDS = env_int("LADDER_DELIVERY_CLAIM_SECONDS", 120)
LADDER_WEBHOOK_TIMEOUT_SECONDS = env_int("LADDER_WEBHOOK_TIMEOUT_SECONDS", 10)
if LADDER_DELIVERY_CLAIM_SECONDS <= LADDER_WEBHOOK_TIMEOUT_SECONDS:
    raise ConfigError(
        "LADDER_DELIVERY_CLAIM_SECONDS must be longer than LADDER_WEBHOOK_TIMEOUT_SECONDS"
    )

# E-mail is off unless LADDER_EMAIL_HOST names an SMTP server: e-mail deliveries are then
# recorded as skipped, saying so. With LADDER_DEBUG (the embedded desk) they are printed
# to the console instead, so a developer sees what would go out.
EMAIL_HOST = env_str("LADDER_EMAIL_HOST", "")
EMAIL_PORT = env_int("LADDER_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("LADDER_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("LADDER_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("LADDER_EMAIL_STARTTLS", True)
EMAIL_USE_SSL = env_bool("LADDER_EMAIL_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ConfigError("LADDER_EMAIL_STARTTLS and LADDER_EMAIL_SSL cannot both be on")
EMAIL_TIMEOUT = env_int("LADDER_EMAIL_TIMEOUT_SECONDS", 10)
DEFAULT_FROM_EMAIL = env_str("LADDER_EMAIL_FROM", "Ladder <ladder@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LADDER_EMAIL_ENABLED = bool(EMAIL_HOST) or DEBUG
# Where customers reach the public pages (survey links in e-mails): scheme and host.
LADDER_PUBLIC_URL = env_str("LADDER_PUBLIC_URL", "http://127.0.0.1:8000")
if not LADDER_PUBLIC_URL.startswith(("https://", "http://")):
    raise ConfigError("LADDER_PUBLIC_URL must start with https:// or http://")
