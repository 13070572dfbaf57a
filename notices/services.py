"""Every write of notifications: create, mark read, mark all read; and the user's notification settings."""

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outbox.services import outbox_add

from .kinds import render
from .models import Notification, Preference
from .selectors import preference_for, unread_key


def _recount(*user_ids: int) -> None:
    """Drop the cached unread counts once the write is committed."""
    keys = [unread_key(pk) for pk in set(user_ids)]
    transaction.on_commit(lambda: cache.delete_many(keys))


def _mail_later(notifications: list[Notification]) -> None:
    """The e-mail of each notification of a kind that is also e-mailed, in the outbox of the current transaction."""
    kinds = settings.HARDSHIP["EMAILED_NOTIFICATION_KINDS"]
    outbox_add(
        task="notices.tasks.notification_email_task",
        calls=((f"notification-email:{n.pk}", [n.pk]) for n in notifications if n.kind in kinds),
    )


def notification_create(*, user_id: int, kind: str, params: dict, link: str = "") -> Notification:
    """Leave a notification for one user."""
    _recount(user_id)
    notification = Notification.objects.create(user_id=user_id, kind=kind, params=params, link=link[:200])
    _mail_later([notification])
    return notification


def notifications_create(*, rows: Iterable[tuple[int, str, dict, str]]) -> int:
    """Leave many notifications at once: (user_id, kind, params, link) each."""
    objs = [Notification(user_id=u, kind=k, params=p, link=link[:200]) for u, k, p, link in rows]
    Notification.objects.bulk_create(objs)
    _recount(*(n.user_id for n in objs))
    _mail_later(objs)
    return len(objs)


@transaction.atomic
def notification_email(*, notification_id: int) -> bool:
    """E-mail one notification to its reader, in their language, unless done already; False when not claimed.

    The row stays locked until the e-mail is handed to the mail server, so a second delivery
    of the same task waits, then finds it done; a failure rolls the claim back for a retry.
    """
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=notification_id, mailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    language, wants_email = preference_for(user_id=notification.user_id)
    if wants_email and notification.user.email:
        with translation.override(language):
            message = EmailMessage(*_mail_text(notification), to=[notification.user.email])
        message.send()
    notification.mailed_at = timezone.now()
    notification.save(update_fields=["mailed_at"])
    return True


def _mail_text(notification: Notification) -> tuple[str, str]:
    title, body = render(notification.kind, notification.params)
    site = settings.HARDSHIP["SITE_URL"].rstrip("/")
    lines = [title, "", body] if body else [title]
    if notification.link:
        lines += ["", _("Open it here: %(url)s") % {"url": site + notification.link}]
    lines += ["", _("You get these e-mails because they are on in your notification settings.")]
    return " ".join(title.split()), "\n".join(lines) + "\n"


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
