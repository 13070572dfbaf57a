"""The Redis cache degrades to "no cache": a frozen Redis costs one short timeout, never an error, and what
this process changed meanwhile is not served stale once Redis answers again."""

import time

import pytest
from django.core.cache import cache

from hardship.cache import _HEALTH

from .services import free_port


@pytest.fixture
def short_outages(settings):
    def use(location: str) -> None:
        settings.CACHES = {
            "default": {
                "BACKEND": "hardship.cache.ResilientRedisCache",
                "LOCATION": location,
                "OPTIONS": {"DOWN_SECONDS": 1},
            }
        }
        _HEALTH.clear()

    yield use
    _HEALTH.clear()


def test_without_redis_reads_miss_writes_are_skipped_and_nothing_raises(short_outages):
    short_outages(f"redis://127.0.0.1:{free_port()}/0")
    start = time.monotonic()
    assert cache.get("k", "default") == "default"
    cache.set("k", 1)
    cache.delete_many(["k", "j"])
    assert cache.get_or_set("version", lambda: 7) == 7
    assert cache.get_many(["k"]) == {}
    with pytest.raises(ValueError, match="not found"):
        cache.incr("k")
    assert time.monotonic() - start < 1.5


@pytest.mark.redis
def test_a_frozen_redis_costs_one_timeout_and_a_key_deleted_meanwhile_is_not_served_stale(short_outages, own_redis):
    short_outages(own_redis.url(0))
    cache.set("count", 5)
    own_redis.freeze()
    try:
        start = time.monotonic()
        cache.delete("count")  # dropped by a write the frozen Redis never saw
        for _ in range(20):
            assert cache.get("count") is None
        assert time.monotonic() - start < 1.0
    finally:
        own_redis.thaw()
    time.sleep(1.1)
    assert cache.get("count") is None  # the missed delete is replayed before anything is read
    cache.set("count", 6)
    assert cache.get("count") == 6


@pytest.mark.redis
def test_one_client_per_pool_serves_every_call_and_survives_a_freeze(short_outages, own_redis):
    short_outages(own_redis.url(0))
    backend = cache._cache
    assert backend.get_client(write=True) is backend.get_client(write=True)
    cache.set("k", 1)
    own_redis.freeze()
    try:
        assert cache.get("k") is None  # a miss while frozen
    finally:
        own_redis.thaw()
    time.sleep(1.1)
    assert backend.get_client() is backend.get_client()
    cache.set("k", 2)
    assert cache.get("k") == 2  # the kept client reconnects through its pool
