"""Session limits and the list of a user's sessions.

A session ends after `SESSION_IDLE_MINUTES` without a request and, however busy,
`SESSION_MAX_HOURS` after the login. The two times are kept in the session itself
(read on every request anyway); the last-seen time and the `UserSession` row are
written at most once a minute, so an ordinary page costs no extra query.
"""

import datetime as dt
import time
from importlib import import_module

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import UserSession
from .net import client_ip

STARTED, SEEN = "hardship_started", "hardship_seen"
TOUCH_EVERY_SECONDS = 60


def idle_limit() -> int:
    return settings.HARDSHIP["SESSION_IDLE_MINUTES"] * 60


def absolute_limit() -> int:
    return settings.HARDSHIP["SESSION_MAX_HOURS"] * 3600


def _at(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _record(request: HttpRequest, user, now: int) -> None:
    UserSession.objects.update_or_create(
        session_id=request.session.session_key,
        defaults={
            "user": user,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "ip": client_ip(request),
            "last_seen": _at(now),
        },
        create_defaults={
            "user": user,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "ip": client_ip(request),
            "last_seen": _at(now),
            "started_at": _at(request.session.get(STARTED, now)),
        },
    )


def session_start(request: HttpRequest, user) -> None:
    """At login: start both clocks and list the session under its user."""
    now = int(time.time())
    request.session[STARTED] = request.session[SEEN] = now
    request.session.save()  # its row must exist before the UserSession row refers to it
    _record(request, user, now)


def session_expired(request: HttpRequest) -> str:
    """Why the signed-in session of `request` is over ("" while it is not); notes the request as activity."""
    now = int(time.time())
    session = request.session
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:  # signed in before the limits existed: they count from now
        session_start(request, request.user)
        return ""
    if now - started > absolute_limit():
        return _("You were signed in for %(hours)d hours, the longest a session lasts. Please log in again.") % {
            "hours": settings.HARDSHIP["SESSION_MAX_HOURS"]
        }
    if now - seen > idle_limit():
        return _("You were logged out after %(minutes)d minutes without activity. Please log in again.") % {
            "minutes": settings.HARDSHIP["SESSION_IDLE_MINUTES"]
        }
    if now - seen >= TOUCH_EVERY_SECONDS:
        session[SEEN] = now
        _record(request, request.user, now)
    return ""


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def sessions_live(*, user) -> QuerySet[UserSession]:
    """The user's sessions that are still within both limits (page them: a shared account may have hundreds)."""
    now = timezone.now()
    return UserSession.objects.filter(
        user=user,
        last_seen__gte=now - dt.timedelta(seconds=idle_limit()),
        started_at__gte=now - dt.timedelta(seconds=absolute_limit()),
    )


def sessions_end(*, user, keep: str | None = None, only: int | None = None) -> int:
    """End the user's sessions (all, all but `keep`, or the one with id `only`) at once; how many ended."""
    rows = UserSession.objects.filter(user=user)
    if keep:
        rows = rows.exclude(session_id=keep)
    if only is not None:
        rows = rows.filter(pk=only)
    keys = list(rows.values_list("session_id", flat=True))
    for key in keys:
        _store(key).delete()  # the cache too, under cached_db; the UserSession row goes with the session row
    return len(keys)
