"""No template carries inline script: a content security policy without 'unsafe-inline' must not break a page."""

import re
from pathlib import Path

from django.conf import settings

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _templates() -> list[Path]:
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [p for p in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in p.parts]
    return sorted({f for root in roots for f in root.rglob("*.html")})


def test_templates_are_found():
    names = {f.name for f in _templates()}
    assert {"base.html", "batch_sheet.html", "notice_detail.html"} <= names


def test_no_template_has_an_inline_event_handler_or_script():
    offenders = [
        f"{f}: {m.group(0)[:80]}"
        for f in _templates()
        for pattern in (INLINE_HANDLER, INLINE_SCRIPT)
        for m in pattern.finditer(f.read_text(encoding="utf-8"))
    ]
    assert offenders == []


INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
# Rendered by WeasyPrint or read in a mail client, never served to a browser under the policy.
NOT_SERVED = ("pdf", "emails")


def test_no_served_template_has_an_inline_style():
    served = [f for f in _templates() if not set(NOT_SERVED) & set(f.parts)]
    offenders = [f"{f}: {m.group(0)}" for f in served for m in INLINE_STYLE.finditer(f.read_text(encoding="utf-8"))]
    assert offenders == []
