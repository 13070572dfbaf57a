"""The privacy policy in templates: `{% shown "id_number" file.unit file.id_number %}`.

On a page the reader is the request's user. A printed copy (a PDF made by a worker)
puts `privacy_full` in its context: the fields shown in full to the user it was made for.
"""

from django import template

from org import privacy

register = template.Library()


def _sees(context, field: str, unit) -> bool:
    if "privacy_full" in context:
        return field in context["privacy_full"]
    request = context.get("request")
    return request is not None and privacy.can_see(request.user, field, unit)


@register.simple_tag(takes_context=True)
def shown(context, field: str, unit, value):
    """The value in full for a reader who may see it, its mask otherwise."""
    return value if _sees(context, field, unit) else privacy.mask(field, value)


@register.simple_tag(takes_context=True)
def can_see(context, field: str, unit) -> bool:
    """{% can_see "phone" file.unit as call %}: whether the reader sees the field in full."""
    return _sees(context, field, unit)
