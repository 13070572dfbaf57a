"""Uploads leave the app only as downloads under a cleaned name, and live where no static URL reaches them."""

import pytest
from django.core.checks import run_checks
from django.core.files.base import ContentFile

from hardship.uploads import download_name


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("扫描件.pdf", "application/pdf", "扫描件.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\王\\Desktop\\病历.PDF", "application/pdf", "病历.pdf"),
        ("invoice.html", "image/png", "invoice.html.png"),
        ("photo\u202egpj.exe", "image/jpeg", "photogpj.exe.jpg"),
        ('bill"; filename="evil.html\r\n.pdf', "application/pdf", "bill_ filename=_evil.html.pdf"),
        ("a<b>|c?*:d.jpg", "image/jpeg", "a_b_c_d.jpg"),
        (".htaccess", "image/png", "htaccess.png"),
        ("", "application/pdf", "document.pdf"),
        ("...", "image/png", "document.png"),
        ("长" * 300 + ".pdf", "application/pdf", "长" * 100 + ".pdf"),
    ],
)
def test_download_names_keep_no_folder_control_or_reserved_character_and_end_as_the_content_proves(
    name, content_type, expected
):
    assert download_name(name, content_type=content_type, fallback="document") == expected


def test_uploads_are_stored_outside_every_static_folder(settings):
    assert not [m for m in run_checks() if m.id.startswith("hardship.E00")]


@pytest.mark.parametrize("inside", ["static_root", "staticfiles_dir"])
def test_a_media_root_among_the_static_files_is_refused_by_a_check(settings, tmp_path, inside):
    settings.STATIC_ROOT = str(tmp_path / "collected")
    settings.STATICFILES_DIRS = [str(tmp_path / "static")]
    settings.MEDIA_ROOT = str(tmp_path / ("collected" if inside == "static_root" else "static") / "media")
    assert [m.id for m in run_checks() if m.id.startswith("hardship.E00")] == ["hardship.E001"]


@pytest.mark.django_db
def test_a_stored_upload_has_no_public_url(client, settings, tmp_path, cadre):
    from django.core.files.storage import FileSystemStorage

    settings.MEDIA_ROOT = str(tmp_path)
    name = FileSystemStorage(location=tmp_path).save("visits/2026/03/abc.pdf", ContentFile(b"%PDF-1.4 secret"))
    client.force_login(cadre)
    for url in (settings.MEDIA_URL + name, settings.STATIC_URL + name, settings.STATIC_URL + "../media/" + name):
        assert client.get(url).status_code == 404, url
