from django import template

from visits.notices import holiday_name

register = template.Library()


@register.filter
def holiday(payload: dict) -> str:
    """The holiday's name in the active language, from a digest's payload."""
    return holiday_name(payload)
