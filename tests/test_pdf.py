"""PDF rendering: static files only, nothing fetched from anywhere else, Chinese text embedded."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from hardship.pdf import BASE_URL, RefusedURL, css_string, render_pdf, static_only_fetcher
from tests.reports.pdf import needs_pdftotext, pdf_fonts, pdf_text


def test_the_fetcher_serves_the_apps_static_files():
    response = static_only_fetcher().fetch(BASE_URL + "static/css/pdf.css")
    assert b"@page" in response.read() and response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "file:///etc/passwd",
        BASE_URL + "static/../../../etc/passwd",
        BASE_URL + "media/reports/secret.pdf",
        "https://static.hardship.invalid.example.com/static/css/pdf.css",
        "data:text/plain,hello",
        "data:image/svg+xml;base64,PHN2Zy8+",
        BASE_URL + "static/css/missing.css",
        "file:///work/static/css/pdf.css",
        "https://example.com/static/css/pdf.css",
        "ftp://static.hardship.invalid/static/css/pdf.css",
        "https://user@static.hardship.invalid/static/css/pdf.css",
        BASE_URL + "static//etc/passwd",
        BASE_URL + "static/%2Fetc%2Fpasswd",
        BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
        BASE_URL + "static/css/..%2f..%2f..%2fsettings.py",
        BASE_URL + "static/css/..\\..\\etc\\passwd",
        BASE_URL + "static/css/pdf.css%00.png",
        BASE_URL + "static/css",
        BASE_URL + "static/",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    with pytest.raises(RefusedURL):
        static_only_fetcher().fetch(url)


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@needs_pdftotext
def test_a_document_pointing_elsewhere_renders_without_reaching_out():
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    remote = f"http://127.0.0.1:{server.server_port}"
    try:
        html = (
            f'<link rel="stylesheet" href="{remote}/evil.css"><img src="{remote}/track.png">'
            '<img src="file:///etc/hostname"><style>@import url("file:///etc/passwd");</style>'
            '<link rel="stylesheet" href="/static/css/pdf.css"><p>困难职工帮扶 王秀英 ¥1,500.00</p>'
        )
        content = render_pdf(html).content
    finally:
        server.shutdown()
    assert _Recorder.hits == []
    assert "困难职工帮扶 王秀英" in pdf_text(content)
    assert "Noto-Sans-CJK-SC" in pdf_fonts(content)


def test_margin_texts_are_escaped_css_strings():
    assert css_string('市总工会 "x"</style>') == '"市总工会 \\22 x\\22 \\3c /style\\3e "'


def test_the_fetcher_serves_hashed_static_names_from_collected_files(settings, tmp_path):
    """In production `{% static %}` gives a hashed name (manifest storage), found only among the collected files."""
    from django.core.management import call_command
    from django.templatetags.static import static

    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", "-v0")
    url = static("css/pdf.css")
    assert url != "/static/css/pdf.css"  # hashed
    assert b"@page" in static_only_fetcher().fetch(BASE_URL + url.lstrip("/")).read()
