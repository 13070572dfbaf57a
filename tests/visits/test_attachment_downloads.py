"""A visit's photos and scans: refused when their content is not a photo or a PDF, whatever their name; handed
back only in scope, always as a download under a cleaned name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import PNG_BYTES, VisitAttachmentFactory
from visits.models import Visit, VisitAttachment

from .test_views import form_data

pytestmark = pytest.mark.django_db

HOSTILE = {
    "page.pdf": b"<!doctype html><script>alert(1)</script>",
    "drawing.png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "photo.jpg": b"GIF89a\x01\x00\x01\x00",
    "archive.pdf": b"PK\x03\x04" + b"\x00" * 40,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_file_renamed_as_a_photo_or_pdf_is_refused_with_a_message(client_for, filed, cadre, name):
    upload = SimpleUploadedFile(name, HOSTILE[name], content_type="application/pdf")
    response = client_for(cadre).post(
        reverse("visits:visit_create", args=[filed.pk]), form_data([cadre], attachments=upload)
    )
    assert response.status_code == 200
    assert f"{name} is not a photo (JPEG, PNG) or a PDF." in response.content.decode()
    assert not Visit.objects.exists() and not VisitAttachment.objects.exists()


def test_a_photo_is_a_download_too_under_a_cleaned_name(client_for, filed, cadre, cadre_other_branch):
    photo = VisitAttachmentFactory(
        visit__file=filed,
        content_type="image/png",
        file=SimpleUploadedFile("x.png", PNG_BYTES),
        original_name='../门口"\r\n.html',
    )
    response = client_for(cadre).get(photo.get_absolute_url())
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E9%97%A8%E5%8F%A3_.html.png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert client_for(cadre_other_branch).get(photo.get_absolute_url()).status_code == 404
