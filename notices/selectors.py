"""Reads of notifications: always the signed-in user's own, never anyone else's."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import translation

from .kinds import render
from .models import Notification, Preference

# The badge says "99+" beyond this: counting stops there, so the query stays cheap.
BADGE_CAP = 99
UNREAD_TIMEOUT = 60


def notifications_for_user(*, user) -> QuerySet:
    return Notification.objects.filter(user=user)


def notification_get_for_user(*, user, pk: int) -> Notification:
    """The user's own notification; anyone else's is the same 404 as a missing one."""
    return get_object_or_404(Notification, pk=pk, user=user)


def unread_key(user_id: int) -> str:
    return f"notices:unread:{user_id}"


def unread_count(*, user) -> int:
    """Unread notifications, counted up to BADGE_CAP + 1.

    Every page shows it, so it is kept in the cache (Redis in production) and dropped by every
    write; the timeout bounds how long a count raced by a concurrent write can lag.
    """
    if not getattr(user, "is_authenticated", False):
        return 0
    key = unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.unread().filter(user=user)[: BADGE_CAP + 1].count()
        cache.set(key, count, UNREAD_TIMEOUT)
    return count


@dataclass(frozen=True)
class ShownNotification:
    notification: Notification
    title: str
    body: str


def notifications_rendered(*, user, items: list[Notification]) -> list[ShownNotification]:
    """The notifications as their reader reads them: in the language they chose, else the page's."""
    language = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    with translation.override(language or translation.get_language()):
        return [ShownNotification(n, *render(n.kind, n.params)) for n in items]


def preference_for(*, user_id: int) -> tuple[str, bool]:
    """(language, wants e-mail) for a user: their preference, else the site's language and e-mail on."""
    row = Preference.objects.filter(user_id=user_id).values_list("language", "email").first()
    return (row[0] or settings.LANGUAGE_CODE, row[1]) if row else (settings.LANGUAGE_CODE, True)
