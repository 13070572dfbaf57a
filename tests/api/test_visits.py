"""Visits through the API: the visit form's rules and `visit_record`, attachments checked by content."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.workflow import FileStatus
from tests.factories import PNG_BYTES, HardshipFileFactory, VisitFactory
from tests.visits.conftest import filed_file
from visits.models import Visit, VisitAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _attachments_in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def filed(group_a1, cadre):
    return filed_file(group_a1, created_by=cadre, filed_on=None)


def visits_url(hfile) -> str:
    return reverse("api:file-visits", args=[hfile.pk])


def test_cadre_records_a_visit_with_the_forms_defaults(api, cadre, filed):
    response = api.as_user(cadre).post(visits_url(filed), {"met": "本人", "knows_name": True})
    assert response.status_code == 201, response.json()
    visit = Visit.objects.get(pk=response.json()["id"])
    assert visit.file == filed and visit.recorded_by == cadre and list(visit.visitors.all()) == [cadre]
    assert visit.knows_name and visit.outcome == "no_change"
    assert api.get(visits_url(filed)).json()["results"][0]["id"] == visit.pk


def test_photo_upload_is_checked_by_content_and_downloaded_in_scope(api, cadre, cadre_other_branch, filed):
    client = api.as_user(cadre)
    photo = SimpleUploadedFile("IMG_1.png", PNG_BYTES, content_type="application/octet-stream")
    response = client.post(visits_url(filed), {"met": "本人", "attachments": [photo]}, format="multipart")
    assert response.status_code == 201, response.json()
    attachment = response.json()["attachments"][0]
    assert attachment["content_type"] == "image/png"
    download = client.get(attachment["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG_BYTES
    assert download["Content-Disposition"].startswith("attachment")
    assert api.as_user(cadre_other_branch).get(attachment["url"]).status_code == 404


def test_a_program_renamed_png_is_refused_and_nothing_saved(api, cadre, filed):
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 64, content_type="image/png")
    response = api.as_user(cadre).post(visits_url(filed), {"attachments": [fake]}, format="multipart")
    assert response.status_code == 400 and "attachments" in response.json()
    assert not Visit.objects.exists() and not VisitAttachment.objects.exists()


def test_visit_refusals_are_the_services(api, cadre, federation_staff, cadre_other_branch, filed, group_a1):
    client = api.as_user(cadre)
    future = client.post(visits_url(filed), {"visited_on": "2999-01-01"})
    assert future.status_code == 400 and "visited_on" in future.json()
    draft = HardshipFileFactory(unit=group_a1, created_by=cadre, status=FileStatus.DRAFT)
    assert client.post(visits_url(draft), {}).status_code == 403  # as the page: no visit form on a draft
    assert client.post(visits_url(filed), {"visitors": [cadre_other_branch.pk]}).status_code == 400
    assert client.post(visits_url(filed), {"visitors": "x"}).status_code == 400
    assert api.as_user(federation_staff).post(visits_url(filed), {}).status_code == 403
    assert api.as_user(cadre_other_branch).post(visits_url(filed), {}).status_code == 404
    assert not Visit.objects.exists()


def test_visits_are_scoped_and_notes_masked_like_health(api, cadre, cadre_other_branch, federation_staff, filed):
    visit = VisitFactory(file=filed, notes="糖尿病加重")
    assert api.as_user(cadre).get(reverse("api:visit-detail", args=[visit.pk])).json()["notes"] == "糖尿病加重"
    assert api.as_user(federation_staff).get(reverse("api:visit-detail", args=[visit.pk])).json()["notes"] == "***"
    other = api.as_user(cadre_other_branch)
    assert other.get(reverse("api:visit-detail", args=[visit.pk])).status_code == 404
    assert other.get(reverse("api:visit-list")).json()["results"] == []
    assert other.get(reverse("api:visit-list"), {"file": filed.pk}).json()["results"] == []


def test_visit_list_query_count_is_constant(api, cadre, filed, django_assert_max_num_queries):
    client = api.as_user(cadre)
    VisitFactory.create_batch(2, file=filed)
    client.get(reverse("api:visit-list"))
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("api:visit-list"))
    VisitFactory.create_batch(15, file=filed)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("api:visit-list")).json()["results"]) == 17
