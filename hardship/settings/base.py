"""Settings shared by every environment; values come from the environment.

With nothing set, the app runs on a SQLite file and executes Celery tasks
in-process. With DATABASE_URL and CELERY_BROKER_URL (or REDIS_URL) set, it uses
PostgreSQL and Redis.
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "simple_history",
    "org",
    "audit",
    "accounts",
    "cases",
    "visits",
    "funds",
    "notices",
    "reports",
    "sheets",
    "outbox",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "dashboard",
]

MIDDLEWARE = [
    "audit.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hardship.versioned.DataVersionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.no_store.NoStoreMiddleware",
    "audit.denials.DeniedAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hardship.urls"
WSGI_APPLICATION = "hardship.wsgi.application"

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


def database_config() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        config = dj_database_url.parse(
            url,
            conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
            # A connection kept across requests is checked before reuse, so after a database
            # restart the next request reconnects instead of failing on a dead socket.
            conn_health_checks=True,
        )
        # A database that does not answer fails the request in seconds (a friendly 503), never hangs it.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "3")))
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        # Write transactions take the lock up front, so two writers never
        # deadlock upgrading a read lock, and waiting writers queue for 20 s.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
    }


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 (memory-hard) for every new or changed password; a PBKDF2 hash from before is checked, then
# rehashed with Argon2 at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.NotDemoPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.passwords.PasswordBackend"]
# Password guessing: AXES_FAILURE_LIMIT wrong passwords for one username from one address lock that
# pair for LOGIN_LOCKOUT_MINUTES (every further try restarts the wait). Never the username alone, so
# nobody can lock a chair out on purpose by typing wrong passwords from elsewhere; an administrator
# lifts a lock sooner by deleting its access attempt in the admin.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.net.client_ip"
# Two-factor login (accounts.twofactor): the name authenticator apps show for the account.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Hardship")
# Every page in every environment (the browser tests fail on a violation): scripts, styles, fonts,
# workers and fetches from the app's own origin only, never inline; json_script data blocks are not
# scripts and need nothing. Images also from data: URIs, which Bootstrap's stylesheet uses for its
# icons (an image cannot run script). Nothing may frame the app, nor move its base URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# A session ends after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after login at the
# latest (accounts.sessions); the cookie itself lasts no longer.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_MAX_HOURS", "12")) * 3600

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Redis when configured (shared by every web process, so a revoked role or an
# edited tier list is seen everywhere at once); otherwise the process's memory,
# which is right only for the single-process embedded default. While Redis is down
# or frozen the cache answers "miss" after half a second and stops trying for a few
# seconds (hardship.cache): pages are computed from the database, never refused.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "hardship.cache.ResilientRedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "hardship"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "hardship@localhost")

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A stalled broker must never hold a web request: give up enqueueing quickly.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_timeout": 3, "socket_connect_timeout": 3}
CELERY_BEAT_SCHEDULE: dict = {
    # Every OUTBOX_SWEEP_SECONDS (default 30): publish the task calls a broker outage left in the outbox.
    "outbox-sweep": {
        "task": "outbox.tasks.outbox_sweep_task",
        "schedule": float(os.environ.get("OUTBOX_SWEEP_SECONDS", "30")),
    },
    # 07:00 every day: each responsible helper's digest of the households due this month. It acts on the
    # first REMINDER_MONTHLY_DAYS days only, so a 1st missed (broker or beat down) is caught up the next day.
    "visit-reminders-monthly": {
        "task": "visits.tasks.reminders_monthly_task",
        "schedule": crontab(minute=0, hour=7),
    },
    # 07:10 every day: holiday digests when a holiday window opens within REMINDER_DAYS_BEFORE_HOLIDAY days.
    "visit-reminders-holiday": {
        "task": "visits.tasks.reminders_holiday_task",
        "schedule": crontab(minute=10, hour=7),
    },
    # 07:20 every day: households still overdue REMINDER_ESCALATE_AFTER_DAYS into the month go to the branch chair.
    "visit-reminders-escalate": {
        "task": "visits.tasks.reminders_escalate_task",
        "schedule": crontab(minute=20, hour=7),
    },
    # 07:30 every day: each helper's weekly digest of annual reviews due; only the week's first run writes anything.
    "review-reminders": {
        "task": "visits.tasks.reminders_review_task",
        "schedule": crontab(minute=30, hour=7),
    },
    # Every 5 minutes: re-send digests still pending (a broker outage delays reminders, never loses them).
    "visit-reminders-sweep": {
        "task": "visits.tasks.reminders_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
    # Every 5 minutes: re-dispatch reports still queued (a broker outage) or left running by a dead worker.
    "reports-sweep": {
        "task": "reports.tasks.reports_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
    # 03:30 every day: delete the files of reports older than REPORT_RETENTION_DAYS (the reports stay, expired).
    "reports-expire": {
        "task": "reports.tasks.reports_expire_task",
        "schedule": crontab(minute=30, hour=3),
    },
    # 01:00 every day: flag households with no visit in the two months up to the month just ended; a re-run
    # never raises a flag twice, nor again once handled, so only the 1st (or a missed 1st) raises anything.
    "visits-flag-missed": {
        "task": "visits.tasks.visits_flag_missed_task",
        "schedule": crontab(minute=0, hour=1),
    },
    # 07:30 every day: aid requests waiting AID_ESCALATE_AFTER_DAYS at one level go to the next level up; a
    # re-run the same day finds them freshly escalated and moves nothing.
    "aid-escalate": {
        "task": "funds.tasks.aid_escalate_task",
        "schedule": crontab(minute=30, hour=7),
    },
}

HARDSHIP = {
    # Closed files are anonymised this many years after closing (manage.py anonymise_closed_files).
    "RETENTION_YEARS": int(os.environ.get("RETENTION_YEARS", "10")),
    # Files waiting for their annual review within this many days show as "due".
    "REVIEW_DUE_SOON_DAYS": int(os.environ.get("REVIEW_DUE_SOON_DAYS", "30")),
    # Default length of the post-relief transition period (Yunnan: five years).
    "TRANSITION_YEARS": int(os.environ.get("TRANSITION_YEARS", "5")),
    "PAGE_SIZE": 25,
    # The dashboard's figures of a scope are shared from the cache for this long (0: never cached).
    "DASHBOARD_CACHE_SECONDS": int(os.environ.get("DASHBOARD_CACHE_SECONDS", "60")),
    # Visits (visits app): plain settings, changed per deployment in its settings module.
    "VISIT_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "VISIT_ATTACHMENTS_PER_VISIT": 5,
    # Aid evidence (funds app): one scanned document, and copies kept per checklist item of a request.
    "AID_DOCUMENT_MAX_BYTES": 10 * 1024 * 1024,
    "AID_DOCUMENTS_PER_ITEM": 10,
    # The "two musts" ask for one routine visit a month: a second one in the same month is refused.
    "VISIT_ONE_MONTHLY_PER_MONTH": True,
    # This many clear-improvement visits in a row make the household a relief candidate.
    "RELIEF_CANDIDATE_AFTER_IMPROVEMENTS": 3,
    # Relieved households in their transition period get a check-in every this many months.
    "RELIEF_CHECKIN_EVERY_MONTHS": int(os.environ.get("RELIEF_CHECKIN_EVERY_MONTHS", "6")),
    # A holiday visit counts from this many days before the holiday window opens.
    "HOLIDAY_VISIT_LEAD_DAYS": 14,
    # A new cause with one of these codes flags a filed household for dynamic monitoring.
    "MONITORING_CAUSE_CODES": ["illness", "accident", "disaster"],
    # Reminders (visits app): the monthly digests go out on the 1st, or on the first day the run can
    # start up to this day of the month (later, only `send_visit_reminders --month` sends them).
    "REMINDER_MONTHLY_DAYS": int(os.environ.get("REMINDER_MONTHLY_DAYS", "7")),
    # Holiday digests go out this many days before a holiday window opens.
    "REMINDER_DAYS_BEFORE_HOLIDAY": int(os.environ.get("REMINDER_DAYS_BEFORE_HOLIDAY", "7")),
    # Households still overdue this many days into the month are escalated to their branch chair.
    "REMINDER_ESCALATE_AFTER_DAYS": int(os.environ.get("REMINDER_ESCALATE_AFTER_DAYS", "10")),
    # The sweep re-sends digests still pending after this many minutes.
    "REMINDER_RESEND_AFTER_MINUTES": 10,
    # A digest claimed longer ago than this (twice the send task's hard time limit) belongs to a dead worker.
    "REMINDER_CLAIM_STALE_SECONDS": 180,
    # Rows read per database round trip, and households listed in one digest (the rest are counted).
    "REMINDER_CHUNK": 2000,
    "REMINDER_LIST_MAX": 100,
    # Aid requests waiting this many days at one approval level escalate to the next level up.
    "AID_ESCALATE_AFTER_DAYS": int(os.environ.get("AID_ESCALATE_AFTER_DAYS", "7")),
    # Digests written, then sent, per batch (a "chunk" of a run): a few hundred rows of at most LIST_MAX names.
    "REMINDER_DIGEST_BATCH": 200,
    # Reports (reports app): the relief rate the annual summary measures against (one province: 30%).
    "RELIEF_TARGET_PERCENT": int(os.environ.get("RELIEF_TARGET_PERCENT", "30")),
    # A report's hard time limit (seconds), and how many times its generation is tried.
    "REPORT_TIME_LIMIT": int(os.environ.get("REPORT_TIME_LIMIT", "600")),
    "REPORT_MAX_ATTEMPTS": 4,
    # The sweep re-dispatches reports still queued after this many minutes.
    "REPORT_RESEND_AFTER_MINUTES": 5,
    # A report's file is deleted this many days after it was made (the report stays, expired, to make again).
    "REPORT_RETENTION_DAYS": int(os.environ.get("REPORT_RETENTION_DAYS", "90")),
    # PostgreSQL's work_mem while the annual summary's figures are computed (its hash joins and grouping over
    # millions of visits stay in memory instead of spilling: 3.1 s -> 2.6 s over 2,000,000 visits).
    "REPORT_WORK_MEM": os.environ.get("REPORT_WORK_MEM", "64MB"),
    # Imports (sheets app): the largest spreadsheet taken in one upload, in rows and bytes, and the size
    # from which its check and import run in a Celery worker (with progress) rather than in the request.
    "IMPORT_MAX_ROWS": int(os.environ.get("IMPORT_MAX_ROWS", "20000")),
    "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024))),
    "IMPORT_ASYNC_ROWS": int(os.environ.get("IMPORT_ASYNC_ROWS", "200")),
    # The outbox (outbox app): seconds a web request waits for the broker before leaving its task calls
    # to the sweep, seconds it then leaves the broker alone, messages published per sweep batch, and
    # days a sent message is kept.
    "OUTBOX_BROKER_TIMEOUT": 0.5,
    "OUTBOX_BROKER_BACKOFF": 10,
    "OUTBOX_SWEEP_BATCH": 500,
    "OUTBOX_KEEP_DAYS": 7,
    # Notifications of these kinds are also e-mailed to readers who keep e-mails on (reminders e-mail themselves).
    "EMAILED_NOTIFICATION_KINDS": ["aid.decided", "aid.waiting"],
    # Sessions: ended after this many minutes without a request, and this many hours after login.
    "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
    "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
    # Proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
    "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
    # The demo data (`seed_demo`) and its published password: never in production.
    "DEMO_DATA": True,
    # Absolute links in e-mails start with this.
    "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1:8000"),
}

# The REST API (api app): the same scoping, permissions and services as the pages.
REST_FRAMEWORK = {
    # Token first: an anonymous call gets 401 with `WWW-Authenticate: Token`, not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonThrottle", "api.throttling.UserThrottle"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API = {
    # Requests per client (rates read on every request, so a deployment changes them in its environment).
    "THROTTLE_ANON": os.environ.get("API_THROTTLE_ANON", "30/minute"),
    "THROTTLE_USER": os.environ.get("API_THROTTLE_USER", "600/minute"),
    # A list page holds PAGE_SIZE rows unless `page_size` asks for fewer or more, never more than MAX_PAGE_SIZE.
    "PAGE_SIZE": 25,
    "MAX_PAGE_SIZE": 100,
    # An API token is refused this many days after it was made (the token page shows the day).
    "TOKEN_DAYS": int(os.environ.get("API_TOKEN_DAYS", "90")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hardship API",
    "DESCRIPTION": "Hardship files, members, visits, aid requests, notifications and reports, "
    "scoped to the caller's units exactly as the pages are.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI and Redoc from static files (drf-spectacular-sidecar): a union's server may have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "ENUM_NAME_OVERRIDES": {
        "FileKindEnum": "cases.workflow.FileKind",
        "FileStatusEnum": "cases.workflow.FileStatus",
        "AidStatusEnum": "funds.workflow.AidStatus",
        "ReportStatusEnum": "reports.models.ReportStatus",
        "SpecialFactorEnum": "funds.models.aid.SpecialFactor",
        "SchoolingEnum": "cases.models.Schooling",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line names its request (X-Request-ID); paths hold ids only, never personal data.
    "filters": {"request_id": {"()": "audit.request_id.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO: only its warnings (a refused URL, a missing font) matter.
    # django-axes announces itself at every start; its failed logins and lock-outs are warnings.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
