"""Uploaded files in and out: what a file really is, read from its first bytes, and how it is handed back.

The name and the browser's word count for nothing on the way in; on the way out a
file is always a download (`Content-Disposition: attachment`, never rendered by the
browser as a page), under a cleaned name whose extension is the one its content proves.
"""

import re
import unicodedata
from pathlib import PurePosixPath
from typing import BinaryIO

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse

# (magic bytes, content type): photos and scans are all a visit or an aid request needs.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
ACCEPT = "image/*,application/pdf"
# Characters Windows or a shell would choke on, and quotes that end a header parameter.
RESERVED = re.compile(r'[<>:"/\\|?*;]+')
STEM_MAX = 100


def sniff_content_type(upload: UploadedFile) -> str | None:
    """The content type the file's first bytes prove, or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def download_name(name: str, *, content_type: str, fallback: str) -> str:
    """`name` fit for a download: no folders, control or direction characters, and the extension the content proves."""
    base = PurePosixPath(name.replace("\\", "/")).name
    text = unicodedata.normalize("NFC", base)
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    text = " ".join(RESERVED.sub("_", text).split())
    extension = EXTENSIONS.get(content_type, "")
    stem = text[: -len(extension)] if extension and text.lower().endswith(extension) else text
    stem = stem.strip(" ._")[:STEM_MAX] or fallback
    return f"{stem}{extension}"


def attachment_response(handle: BinaryIO, *, content_type: str, name: str, fallback: str) -> FileResponse:
    """A stored file as a private download under a cleaned name, never rendered in the browser."""
    filename = download_name(name, content_type=content_type, fallback=fallback)
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def delete_stored_on_commit(rows: QuerySet, field: str = "file") -> None:
    """Delete the stored files of `rows` once the current transaction has committed (never if it rolls back).

    Read the names before the rows themselves are deleted or blanked.
    """
    stored = [(f.storage, f.name) for f in (getattr(row, field) for row in rows.only(field)) if f]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])
