"""What each kind of notification says: apps register a renderer, called in the reader's language.

Rows store only the kind and its parameters, so a notification reads in Chinese or
English according to whoever opens it, and a corrected translation corrects old rows.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

Renderer = Callable[[dict], tuple[str, str]]
_RENDERERS: dict[str, Renderer] = {}


def register(kind: str) -> Callable[[Renderer], Renderer]:
    """Decorator: `render(params) -> (title, body)` for notifications of `kind`."""

    def decorate(renderer: Renderer) -> Renderer:
        _RENDERERS[kind] = renderer
        return renderer

    return decorate


def render(kind: str, params: dict) -> tuple[str, str]:
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        return _("Notification"), ""
    try:
        return renderer(params)
    except (KeyError, TypeError, ValueError):
        # A row written by an older version must still show, never break the page.
        return _("Notification"), ""
