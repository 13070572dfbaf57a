"""The Redis cache, degraded to "no cache" while Redis is down or frozen, never an error or a hung request.

Every value kept here can be recomputed from the database, so a read that fails is a miss
and a write that fails is skipped. A call that fails (refused, or no answer within the
socket timeout) marks Redis down for DOWN_SECONDS, during which this process does not try
it at all: a frozen Redis costs one timeout, not one per cache call. Keys this process
wrote or deleted while Redis was unreachable are deleted once it answers again, so a
version bump or a dropped count that was missed never leaves a stale value behind.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
STALE_MAX = 10_000


class _Health:
    """Shared by the threads of a process (Django keeps one cache object per thread)."""

    def __init__(self) -> None:
        self.down_until = 0.0
        self.stale: set[str] = set()
        self.lock = threading.Lock()


_HEALTH: dict[tuple, _Health] = {}


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, *, down_seconds: float, **options) -> None:
        super().__init__(servers, **options)
        self._down_seconds = down_seconds
        self._health = _HEALTH.setdefault(tuple(servers), _Health())
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        # One redis-py client per connection pool, kept, instead of a new one per cache call as Django
        # makes: building a client sets up its ~170 response callbacks, about 0.15 ms every call.
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def _guarded(self, call: Callable[[], Any], fallback: Any, written: tuple[str, ...] = ()) -> Any:
        health = self._health
        if time.monotonic() < health.down_until:
            self._remember(written)
            return fallback
        try:
            if health.stale:
                self._drop_stale()
            return call()
        except RedisError as exc:
            if health.down_until == 0.0:
                log.warning("Redis cache unavailable (%s): working without it for now", exc)
            health.down_until = time.monotonic() + self._down_seconds
            self._remember(written)
            return fallback

    def _remember(self, keys: tuple[str, ...]) -> None:
        with self._health.lock:
            if len(self._health.stale) < STALE_MAX:
                self._health.stale.update(keys)

    def _drop_stale(self) -> None:
        with self._health.lock:
            keys, self._health.stale = list(self._health.stale), set()
        try:
            if keys:
                RedisCacheClient.delete_many(self, keys)
        except RedisError:
            self._remember(tuple(keys))
            raise
        if self._health.down_until:
            log.warning("Redis cache answers again; %d keys written meanwhile dropped", len(keys))
        self._health.down_until = 0.0

    def _call(self, name: str, *args, fallback: Any = None, written: tuple[str, ...] = ()) -> Any:
        return self._guarded(lambda: getattr(RedisCacheClient, name)(self, *args), fallback, written)

    def add(self, key, value, timeout):
        return self._call("add", key, value, timeout, fallback=False, written=(key,))

    def get(self, key, default):
        return self._call("get", key, default, fallback=default)

    def set(self, key, value, timeout):
        return self._call("set", key, value, timeout, written=(key,))

    def touch(self, key, timeout):
        return self._call("touch", key, timeout, fallback=False, written=(key,))

    def delete(self, key):
        return self._call("delete", key, fallback=False, written=(key,))

    def get_many(self, keys):
        return self._call("get_many", keys, fallback={})

    def has_key(self, key):
        return self._call("has_key", key, fallback=False)

    def incr(self, key, delta):
        unavailable = object()
        value = self._call("incr", key, delta, fallback=unavailable, written=(key,))
        if value is unavailable:
            # As for a missing key: callers of incr() already handle that.
            raise ValueError(f"Key '{key}' not found.")
        return value

    def set_many(self, data, timeout):
        return self._call("set_many", data, timeout, written=tuple(data))

    def delete_many(self, keys):
        return self._call("delete_many", keys, written=tuple(keys))

    def clear(self):
        return self._call("clear", fallback=False)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache with short socket timeouts that falls back to "no cache" while Redis is unreachable.

    OPTIONS: `DOWN_SECONDS` (how long to stop trying after a failure, default 5) and the redis-py pool
    options; `socket_timeout` and `socket_connect_timeout` default to half a second.
    """

    def __init__(self, server, params) -> None:
        options = dict(params.get("OPTIONS", {}))
        down_seconds = float(options.pop("DOWN_SECONDS", 5))
        options.setdefault("socket_timeout", 0.5)
        options.setdefault("socket_connect_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ResilientRedisCacheClient
        self._options = {**options, "down_seconds": down_seconds}
