"""Rarely changing reference data (scopes, configuration lists) kept in each process's memory.

Entries are valid for one *data version*, a counter in the shared cache (Redis in
production). Any change to the union tree, a role or a configuration list bumps
it, so every process drops its copies at once. A request reads the version once
(`DataVersionMiddleware`); everything else is a dictionary lookup.
"""

import secrets
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

VERSION_KEY = "hardship:data-version"
MAX_ENTRIES = 4096

_request_version: ContextVar[int | None] = ContextVar("hardship_data_version", default=None)
_entries: dict[Any, Any] = {}
_entries_version: list[int | None] = [None]


def _new_version() -> int:
    # Random, not a counter: a restarted, empty Redis never hands out a version
    # some process still holds entries for.
    return secrets.randbits(62)


def _fetch_version() -> int:
    return cache.get_or_set(VERSION_KEY, _new_version, None)


def current_version() -> int:
    version = _request_version.get()
    return version if version is not None else _fetch_version()


def bump() -> None:
    """Invalidate every process's copies: call after a change to reference data."""
    cache.set(VERSION_KEY, _new_version(), None)
    _request_version.set(None)


def remember(key: Any, compute: Callable[[], Any]) -> Any:
    """The value for `key` at the current data version, computed at most once per process."""
    version = current_version()
    if _entries_version[0] != version:
        _entries.clear()
        _entries_version[0] = version
    try:
        return _entries[key]
    except KeyError:
        value = compute()
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = value
        return value


def forget_all() -> None:
    """Drop this process's copies (tests start from nothing)."""
    _entries.clear()
    _entries_version[0] = None


class DataVersionMiddleware:
    """Read the data version once per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_version.set(_fetch_version())
        try:
            return self.get_response(request)
        finally:
            _request_version.reset(token)
