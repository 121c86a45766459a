"""Settings of the Wuxing portal, read from the environment (django-environ).

Every variable has a safe local default so that `make run` works on a fresh machine:
SQLite in WAL mode, an embedded Celery broker, the console mail backend. Production sets
DJANGO_DEBUG=false, DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
"""

from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wuxing.uploads.storage import StorageUrlError, storage_backend

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = BASE_DIR / ".run"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET = "insecure-local-development-key-never-used-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "import_export",
    "simple_history",
    "django_celery_beat",
    "wuxing.accounts",
    "wuxing.notifications",
    "wuxing.ops",
    "villages",
    "scoring",
    "scoring.progress",
    "scoring.reminders",
    "scoring.dashboards",
    "scoring.reviews",
]

MIDDLEWARE = [
    # First: its request id and duration cover every other middleware (wuxing/ops/logs.py).
    "wuxing.ops.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Its response phase runs before the session is saved (see the module).
    "wuxing.accounts.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # 400 for a NUL character in the URL or the form (PostgreSQL refuses it in text).
    "wuxing.params.RefuseNulMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so that it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wuxing.urls"
WSGI_APPLICATION = "wuxing.wsgi.application"

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
                "wuxing.accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database: SQLite (embedded default) or PostgreSQL through DATABASE_URL -------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat read while one of them writes;
    # IMMEDIATE transactions avoid "database is locked" on lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Cache and Celery: Redis through REDIS_URL, embedded otherwise -----------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Short timeouts: with Redis down, a page waits half a second for it, not minutes.
    CACHES = {"default": {"BACKEND": "wuxing.cache.DegradingRedisCache",
                          "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1}}}
    CELERY_BROKER_URL = REDIS_URL
    # A task taken by a worker that died (SIGKILL, power) goes back to the queue after
    # this long. Tasks are idempotent, so a long task or a countdown that outlives it is
    # at worst run twice, never lost.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("WUXING_BROKER_VISIBILITY_TIMEOUT", default=600)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Kombu's filesystem transport: a broker without a service, shared by the web
    # server, the worker and beat started by `make run`. Its folders are made here, so
    # a portal started any other way can queue work too (the transport creates none of
    # them, and its control folder would default to `control/` in the current directory).
    _broker_dir = Path(env.str("WUXING_BROKER_DIR", default=str(RUN_DIR / "broker")))
    _broker_folders = {"data_folder_in": _broker_dir, "data_folder_out": _broker_dir,
                       "processed_folder": _broker_dir / "processed",
                       "control_folder": _broker_dir / "control"}
    for _folder in _broker_folders.values():
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **{name: str(folder) for name, folder in _broker_folders.items()},
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Authentication, lockout, sessions ---------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "wuxing.accounts.passwords.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Five failures lock the account for 30 minutes from every address; the address throttle
# (wuxing/accounts/lockout.py) stops one address spraying many accounts.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username"]]
# axes.W006 asks for "ip_address" among the parameters, which would lock an address at
# the account limit (five failures behind a town's NAT). The handler throttles addresses
# with a limit of their own instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_HANDLER = "wuxing.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "wuxing.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "wuxing.accounts.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
WUXING_LOGIN_ADDRESS_LIMIT = env.int("WUXING_LOGIN_ADDRESS_LIMIT", default=20)
WUXING_LOGIN_ADDRESS_WINDOW = timedelta(
    minutes=env.int("WUXING_LOGIN_ADDRESS_WINDOW_MINUTES", default=15))
if WUXING_LOGIN_ADDRESS_WINDOW > AXES_COOLOFF_TIME:
    # Axes deletes attempts older than its cool-off: a longer window would count nothing.
    raise ImproperlyConfigured("WUXING_LOGIN_ADDRESS_WINDOW_MINUTES may be at most 30.")
# How many reverse proxies of ours stand in front of Django (nginx: 1). 0 never reads
# X-Forwarded-For; see wuxing/accounts/client_ip.py.
WUXING_TRUSTED_PROXY_COUNT = env.int("WUXING_TRUSTED_PROXY_COUNT", default=0)
# The lock lasts 30 minutes from the lockout; knocking again does not prolong it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 30 * 60
# The 30 minutes count from the last request, give or take the minute for which
# wuxing.accounts.middleware.IdleSessionMiddleware leaves the session row alone.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
try:
    _evidence_storage = storage_backend(env.str("WUXING_STORAGE_URL", default=""))
except StorageUrlError as exc:
    raise ImproperlyConfigured(str(exc)) from None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence files: the local folder MEDIA_ROOT, or an S3-compatible bucket named by
    # WUXING_STORAGE_URL; always reached through wuxing.uploads.storage.evidence_storage().
    "evidence": _evidence_storage,
    "staticfiles": {"BACKEND": (
        "whitenoise.storage.CompressedManifestStaticFilesStorage" if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage")},
}
MEDIA_ROOT = env.path("WUXING_MEDIA_ROOT", default=BASE_DIR / "media")
# Evidence is never served by URL: only an authorising view streams it.
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
# Office files (evidence documents, entry sheets) are zip archives: before anything parses
# one, every entry is inflated against these limits (wuxing/uploads/archives.py).
WUXING_ZIP_MAX_ENTRIES = env.int("WUXING_ZIP_MAX_ENTRIES", default=1000)
WUXING_ZIP_MAX_INFLATED = env.int("WUXING_ZIP_MAX_INFLATED", default=100 * 1024 * 1024)
WUXING_ZIP_MAX_RATIO = env.int("WUXING_ZIP_MAX_RATIO", default=100)
# Entry sheets are parsed by openpyxl, which holds their shared strings in memory.
WUXING_SHEET_MAX_INFLATED = env.int("WUXING_SHEET_MAX_INFLATED", default=20 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Formula injection in the admin's exports is handled by the resources through
# wuxing.spreadsheets.neutralise (a quote before = + - @ …). import-export's own switch
# stays off on purpose: in 4.4 it only deletes a leading "=" (altering the data, leaving
# "+", "-" and "@"), and it turns every cell into text, numbers and empty cells ("None")
# included.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# --- Mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND",
                        default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="wuxing@localhost")

# --- Security headers --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logs, errors, health (docs/OPERATIONS.md "Health, errors, logs") ----------------------
# WUXING_LOG_FORMAT=json writes one JSON object per line; every line carries the request
# id, user id and unit code (wuxing/ops/logs.py).
WUXING_LOG_FORMAT = env.str("WUXING_LOG_FORMAT", default="text")
WUXING_SLOW_REQUEST_MS = env.int("WUXING_SLOW_REQUEST_MS", default=2000)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "wuxing.ops.logs.ContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s "
                           "user=%(user_id)s unit=%(unit_code)s] %(message)s"},
        "json": {"()": "wuxing.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"],
                    "formatter": "json" if WUXING_LOG_FORMAT == "json" else "text"},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR",
                        "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
    "loggers": {
        # One line per request at INFO; the slow-request line is a WARNING.
        "wuxing.requests": {"level": env.str("WUXING_REQUEST_LOG_LEVEL", default="INFO"),
                            "handlers": ["console"], "propagate": False},
        "django.request": {"handlers": ["console", "mail_admins"], "level": "WARNING",
                           "propagate": False},
    },
}

# "Name <address>, Name <address>": who gets error mails when Sentry is not configured.
ADMINS = getaddresses([env.str("DJANGO_ADMINS", default="")])
ADMINS = [(name, address) for name, address in ADMINS if address]
SERVER_EMAIL = env.str("DJANGO_SERVER_EMAIL", default="wuxing@localhost")
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from wuxing.ops.errors import init_sentry

    init_sentry(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default="production"),
                release=env.str("SENTRY_RELEASE", default=""),
                traces=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))
    # Errors go to Sentry; mailing them as well would double every report.
    LOGGING["loggers"]["django.request"]["handlers"] = ["console"]

# The health endpoint (/health/): how old the worker heartbeat may be, how full the disk.
WUXING_HEALTH_HEARTBEAT_MAX_AGE = env.int("WUXING_HEALTH_HEARTBEAT_MAX_AGE", default=300)
WUXING_HEALTH_DISK_MAX_PERCENT = env.float("WUXING_HEALTH_DISK_MAX_PERCENT", default=90.0)
# Audit events are kept this many days (at least 180: 等保 2.0), then purged daily.
WUXING_AUDIT_RETENTION_DAYS = env.int("WUXING_AUDIT_RETENTION_DAYS", default=180)
if WUXING_AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("WUXING_AUDIT_RETENTION_DAYS must be at least 180 (six months).")

# --- Wuxing --------------------------------------------------------------------------------
WUXING_DEMO_PASSWORD = "wuxing-demo"  # used only by `load_demo`, never for real accounts
# The portal's address, for the links in emails and robot messages.
WUXING_SITE_URL = env.str("WUXING_SITE_URL", default="http://127.0.0.1:8000")
# Hosts a group robot's webhook may point to (no requests to arbitrary addresses).
WUXING_ROBOT_HOSTS = env.list("WUXING_ROBOT_HOSTS",
                              default=["qyapi.weixin.qq.com", "oapi.dingtalk.com"])
