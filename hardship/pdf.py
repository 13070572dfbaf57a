"""PDF rendering: a pure function from HTML to bytes whose URL fetcher reaches only the app's static files.

Templates link their print stylesheet through `{% static %}`; anything else a
document refers to (a remote image, a local path, a URL the user typed) is
refused, so rendering never leaves the process and never reads the disk beyond
the static files. Chinese text is set in the CJK font installed with the system
packages (fonts-noto-cjk, see scripts/system_deps.sh and the Dockerfile), which
the stylesheet names by family: fontconfig finds it without any fetch, and
WeasyPrint embeds the glyphs used into the PDF.
"""

import logging
import mimetypes
from functools import cache
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.utils.safestring import SafeString, mark_safe

log = logging.getLogger(__name__)
# The base every relative URL in a document is resolved against: never a real host.
BASE_URL = "https://static.hardship.invalid/"


class RefusedURL(ValueError):
    """A document asked for something other than one of the app's static files."""


@cache
def _fetcher_class() -> type:
    # WeasyPrint takes seconds to import: only processes that render pay for it, when they first do.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves the app's static files (found as `collectstatic` would) and refuses every other URL."""

        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            path = _static_path(url)
            body = _static_file(path) if path else None
            if body is None:
                log.warning("PDF rendering refused %s", url[:200])
                raise RefusedURL(url[:200])
            mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return StaticOnlyFetcher


def static_only_fetcher():
    """A URL fetcher for WeasyPrint that reaches the app's static files and nothing else."""
    return _fetcher_class()()


def _static_file(path: str) -> bytes | None:
    """A static file's bytes: from the app's static folders, or (a hashed name in production) the collected files."""
    try:
        found = finders.find(path)
        if found:
            with open(found, "rb") as fh:
                return fh.read()
        if staticfiles_storage.exists(path):
            with staticfiles_storage.open(path) as fh:
                return fh.read()
    except (OSError, SuspiciousFileOperation):  # a folder, or a path the finders themselves refuse
        return None
    return None


def _static_path(url: str) -> str:
    """The static file's relative path when `url` names one on the fake base host, else ""."""
    parts = urlsplit(url)
    prefix = settings.STATIC_URL
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(prefix):
        return ""
    path = unquote(parts.path[len(prefix) :])
    if path.startswith("/") or "\\" in path or "\x00" in path or ".." in path.split("/"):
        return ""
    return path


class Rendered(NamedTuple):
    content: bytes
    pages: int


def render_pdf(html: str) -> Rendered:
    """The PDF of an HTML document and its page count (A4 and the rest come from its print stylesheet)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=static_only_fetcher()).render()
    return Rendered(content=document.write_pdf(), pages=len(document.pages))


def css_string(text: str) -> SafeString:
    """`text` as a quoted CSS string, safe inside a <style> element (for the page's margin boxes)."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;·-_()/" else f"\\{ord(ch):x} " for ch in str(text))
    return mark_safe(f'"{escaped}"')  # noqa: S308 - every other character is escaped above
