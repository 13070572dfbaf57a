from django import template

from funds.selectors import QUEUE_BADGE_CAP, approval_queue_count
from org.models import Role
from org.scoping import scope_for

register = template.Library()

# Cadres see their own unit's funds read-only; chairs and federation staff manage theirs.
FUND_ROLES = (Role.CADRE, Role.BRANCH_CHAIR, Role.FEDERATION_STAFF)


@register.simple_tag
def may_see_funds(user) -> bool:
    """Whether the navigation shows "Funds": any role that sees funds, read-only or not."""
    return scope_for(user).has_role(*FUND_ROLES)


# Who decides aid by the default chain; anyone else (an acting chair) sees the link while something waits.
APPROVER_ROLES = (Role.BRANCH_CHAIR, Role.FEDERATION_STAFF)


@register.simple_tag
def approvals_nav(user) -> dict:
    """The "Approvals" link: shown to approvers and to whoever has something waiting, with the count."""
    count = approval_queue_count(user=user)
    label = f"{QUEUE_BADGE_CAP}+" if count > QUEUE_BADGE_CAP else (str(count) if count else "")
    return {"show": bool(count) or scope_for(user).has_role(*APPROVER_ROLES), "count": label}
