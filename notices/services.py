"""Every write of notifications: create, mark read, mark all read; and the user's notification settings."""

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import Notification, Preference
from .selectors import unread_key


def _recount(*user_ids: int) -> None:
    """Drop the cached unread counts once the write is committed."""
    keys = [unread_key(pk) for pk in set(user_ids)]
    transaction.on_commit(lambda: cache.delete_many(keys))


def notification_create(*, user_id: int, kind: str, params: dict, link: str = "") -> Notification:
    """Leave a notification for one user."""
    _recount(user_id)
    return Notification.objects.create(user_id=user_id, kind=kind, params=params, link=link[:200])


def notifications_create(*, rows: Iterable[tuple[int, str, dict, str]]) -> int:
    """Leave many notifications at once: (user_id, kind, params, link) each."""
    objs = [Notification(user_id=u, kind=k, params=p, link=link[:200]) for u, k, p, link in rows]
    Notification.objects.bulk_create(objs)
    _recount(*(n.user_id for n in objs))
    return len(objs)


@transaction.atomic
def notification_mark_read(*, notification: Notification, by) -> bool:
    """Mark one of the user's own notifications read; False when it was read already."""
    changed = Notification.objects.filter(pk=notification.pk, user=by, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    _recount(by.pk)
    return bool(changed)


@transaction.atomic
def notifications_mark_all_read(*, by) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    _recount(by.pk)
    return Notification.objects.unread().filter(user=by).update(read_at=timezone.now())


def preference_save(*, user, language: str, email: bool) -> Preference:
    """Set the user's own notification language and whether reminders also go by e-mail."""
    preference, _created = Preference.objects.update_or_create(
        user=user, defaults={"language": language, "email": email}
    )
    return preference
