from django import template

from cases.transfer.selectors import may_request_transfer, pending_transfer
from cases.workflow import CHAIR_ROLES
from org.models import Role
from org.scoping import scope_for

register = template.Library()


@register.inclusion_tag("cases/includes/file_moves.html", takes_context=True)
def file_moves(context, hfile) -> dict:
    """{% file_moves file %}: where the file went (merged, transfer pending) and the links to move or merge it."""
    may_move = may_request_transfer(user=context["request"].user, hfile=hfile)
    # Transfer and merge are both a chair's, on an open file of the chair's units.
    return {"file": hfile, "pending": pending_transfer(hfile=hfile), "may_transfer": may_move, "may_merge": may_move}


@register.simple_tag
def may_see_transfers(user) -> bool:
    """Chairs and federation staff have a transfers inbox (no query: the scope is cached)."""
    return scope_for(user).has_role(*CHAIR_ROLES, Role.FEDERATION_STAFF)
