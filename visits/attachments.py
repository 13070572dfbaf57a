"""What an uploaded file really is, read from its first bytes: the name and the browser's word count for nothing."""

from django.core.files.uploadedfile import UploadedFile

# (magic bytes, content type): JPEG, PNG and PDF are all a visit needs.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
ACCEPT = "image/*,application/pdf"


def sniff_content_type(upload: UploadedFile) -> str | None:
    """The content type the file's first bytes prove, or None."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)
