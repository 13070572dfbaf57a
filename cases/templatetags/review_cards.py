"""The annual review button on a hardship file's page."""

from django import template

from ..models import HardshipFile
from ..review_selectors import can_review

register = template.Library()


@register.simple_tag(takes_context=True)
def may_review(context, hfile: HardshipFile) -> bool:
    """Whether the reader may record the file's annual review (no query: status and the cached scope)."""
    return can_review(user=context["request"].user, hfile=hfile)
