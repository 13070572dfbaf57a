from django import template

from cases.transfer.selectors import may_request_transfer, pending_transfer
from cases.workflow import CHAIR_ROLES
from org.models import Role
from org.scoping import scope_for

register = template.Library()


@register.inclusion_tag("cases/includes/transfer_panel.html", takes_context=True)
def transfer_panel(context, hfile) -> dict:
    """{% transfer_panel file %}: the pending transfer of the file, or the link to request one."""
    user = context["request"].user
    return {
        "file": hfile,
        "pending": pending_transfer(hfile=hfile),
        "may_request": may_request_transfer(user=user, hfile=hfile),
    }


@register.simple_tag
def may_see_transfers(user) -> bool:
    """Chairs and federation staff have a transfers inbox (no query: the scope is cached)."""
    return scope_for(user).has_role(*CHAIR_ROLES, Role.FEDERATION_STAFF)
