"""Benchmarks (`make bench`): production settings on loopback, over plain HTTP, against `hardship_bench`.

Production refuses to start without a secret, hosts and Redis; the bench supplies
throwaway values for those before importing it, then undoes only what plain HTTP
on 127.0.0.1 needs undone (HTTPS redirect, secure cookies, HSTS).
"""

import os

import dj_database_url

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hardship_bench")
# Its own Redis database: the test suite flushes 14, the demo may use 0.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

# The visits benchmarks run on a database of their own: their cached data must not meet the pages'.
BENCH_CACHE_PREFIX = os.environ.get("BENCH_CACHE_PREFIX", "bench")

os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("REDIS_URL", BENCH_REDIS_URL)

from .production import *  # noqa: E402, F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# The bench database is demo data, and the load scripts log in with the demo password.
HARDSHIP = {**HARDSHIP, "DEMO_DATA": True}  # noqa: F405
DEBUG = False

# Persistent connections, as a production deployment would configure them.
DATABASES = {"default": dj_database_url.parse(BENCH_DATABASE_URL, conn_max_age=600)}

REDIS_URL = BENCH_REDIS_URL
CACHES = {
    "default": {
        "BACKEND": "hardship.cache.ResilientRedisCache",  # production's
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": BENCH_CACHE_PREFIX,
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL

# wrk speaks plain HTTP to 127.0.0.1: no HTTPS redirect, no secure-only cookies.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SESSION_COOKIE_NAME, CSRF_COOKIE_NAME, LANGUAGE_COOKIE_NAME = "sessionid", "csrftoken", "django_language"

# Collected static files for the manifest storage, kept out of the shared tree.
STATIC_ROOT = BASE_DIR / "bench" / ".staticfiles"  # noqa: F405

# Compiled templates are kept per process, as Django does when DEBUG is off; spelled out here.
TEMPLATES = [
    {
        **TEMPLATES[0],  # noqa: F405
        "APP_DIRS": False,
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],  # noqa: F405
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
