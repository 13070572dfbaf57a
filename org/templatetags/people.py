from django import template

from org.people import display_name

register = template.Library()


@register.filter(name="person")
def person(user) -> str:
    """{{ user|person }}: the user's name as people write it."""
    return display_name(user)
