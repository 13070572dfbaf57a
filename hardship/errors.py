"""Error pages that need nothing but templates: no database, no session, no user, no stack trace.

While PostgreSQL is unreachable (restarting, failing over) every request that needs it
fails; the user gets a 503 saying to try again in a moment, in both languages, and the
next request after the database is back works again (connections are health-checked,
hardship.settings.base). Any other unexpected error gets the plain 500 page.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


def _database_unreachable(exc: BaseException | None) -> bool:
    """The error, or one it was raised from, is a lost or refused database connection."""
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _languages() -> list[str]:
    """The page's language first, then the other one: whoever reads it finds their own."""
    current = "en" if (translation.get_language() or "").startswith("en") else "zh-hans"
    return [current, "zh-hans" if current == "en" else "en"]


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when the database is unreachable, otherwise the 500 page."""
    if _database_unreachable(sys.exc_info()[1]):
        log.warning("Database unreachable during %s %s: answered 503", request.method, request.path)
        return _page("errors/database_unavailable.html", 503, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return _page("errors/server_error.html", 500)


def _page(template: str, status: int, headers: dict | None = None) -> HttpResponse:
    html = render_to_string(template, {"languages": _languages()})
    return HttpResponse(html, status=status, headers={"Cache-Control": "no-store", **(headers or {})})
