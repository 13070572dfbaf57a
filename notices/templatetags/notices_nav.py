from django import template

from notices.selectors import BADGE_CAP, unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> str:
    """The navigation badge: the unread count, "99+" past the cap, "" when nothing is unread."""
    count = unread_count(user=user)
    return f"{BADGE_CAP}+" if count > BADGE_CAP else (str(count) if count else "")
