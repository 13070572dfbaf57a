"""Test settings: PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set, SQLite otherwise."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "en"
# Each test starts from an empty cache; tests that need Redis use it explicitly.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run in-process unless a test starts a real worker on the real broker.
CELERY_TASK_ALWAYS_EAGER = True
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# A test that kills a whole worker starts the next one with a short visibility timeout: the message the dead
# worker never acknowledged goes back to its queue in seconds instead of an hour (tests/reports/test_worker.py).
if os.environ.get("CELERY_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "visibility_timeout": int(os.environ["CELERY_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

# Many tests move the clock by days or months between logging in and the next page: their sessions must
# outlive the jump. The session tests (tests/security) put back the real limits.
HARDSHIP = {**HARDSHIP, "SESSION_IDLE_MINUTES": 60 * 24 * 3650, "SESSION_MAX_HOURS": 24 * 3650}  # noqa: F405
SESSION_COOKIE_AGE = HARDSHIP["SESSION_MAX_HOURS"] * 3600
