"""Fixtures of the resilience tests: a Redis server of the test's own, the app pointed at it, Celery processes."""

import pytest
from django.conf import settings as django_settings

from hardship.celery import app

from .services import Celery, RedisServer


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_on_own_redis(own_redis, settings):
    """This process's cache (db 1) and broker (db 0) on the test's Redis, as in production: tasks go to the broker."""
    settings.CACHES = {
        "default": {"BACKEND": "hardship.cache.ResilientRedisCache", "LOCATION": own_redis.url(1), "KEY_PREFIX": "t"}
    }
    saved = {name: app.conf[name] for name in ("broker_url", "broker_write_url", "task_always_eager")}
    app.conf.update(broker_url=own_redis.url(0), broker_write_url=None, task_always_eager=False)
    try:
        yield own_redis
    finally:
        app.conf.update(saved)


@pytest.fixture
def celery_processes(tmp_path, own_redis):
    processes = Celery(tmp_path, own_redis.url(0))
    try:
        yield processes
    finally:
        processes.stop()


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
