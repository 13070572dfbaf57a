"""Reading generated PDFs back: their text through poppler's pdftotext (no mock of the renderer)."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is missing")


def pdf_text(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(content)
        return subprocess.run(  # noqa: S603 - a fixed local binary on a file we wrote
            [PDFTOTEXT, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout


def pdf_fonts(content: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(content)
        return subprocess.run(  # noqa: S603
            [shutil.which("pdffonts"), str(path)], capture_output=True, check=True, text=True
        ).stdout
