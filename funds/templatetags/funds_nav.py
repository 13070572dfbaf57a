from django import template

from org.models import Role
from org.scoping import scope_for

register = template.Library()

# Cadres see their own unit's funds read-only; chairs and federation staff manage theirs.
FUND_ROLES = (Role.CADRE, Role.BRANCH_CHAIR, Role.FEDERATION_STAFF)


@register.simple_tag
def may_see_funds(user) -> bool:
    """Whether the navigation shows "Funds": any role that sees funds, read-only or not."""
    return scope_for(user).has_role(*FUND_ROLES)
