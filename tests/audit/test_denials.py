"""A refusal by role (403) is in the access log, as a refusal by scope (404) is, and shows on the household's page."""

import pytest
from django.urls import reverse

from audit.models import AccessLog, Action
from tests.api.conftest import api  # noqa: F401 - the API client fixture
from tests.funds.helpers import _aid_for, submit

pytestmark = pytest.mark.django_db


def _refusal():
    return AccessLog.objects.filter(action=Action.FORBIDDEN).get()


def _submitted_aid(hfile) -> int:
    aid = _aid_for(hfile)
    return submit(aid, hfile.created_by).pk


def test_a_cadre_deciding_aid_is_refused_and_logged_against_the_household(client_for, cadre, file_a1):
    aid_pk = _submitted_aid(file_a1)
    # The page says why in a message on the request's page; the refusal is logged all the same.
    client = client_for(cadre)
    response = client.post(reverse("funds:aid_decide", args=[aid_pk, "approve"]))
    assert response.status_code == 302
    assert "alert-danger" in client.get(response["Location"]).content.decode()
    assert AccessLog.objects.filter(action=Action.FORBIDDEN).count() == 1
    row = _refusal()
    assert (row.user, row.object_type, row.object_id, row.file_id, row.unit_id) == (
        cadre,
        "funds.aidrequest",
        aid_pk,
        file_a1.pk,
        file_a1.unit_id,
    )
    assert row.request_id == response["X-Request-ID"]


def test_the_refusal_shows_on_the_households_access_page(client_for, cadre, federation_staff, file_a1):
    assert client_for(cadre).get(reverse("cases:file_access_log", args=[file_a1.pk])).status_code == 403
    row = _refusal()
    assert (row.object_type, row.object_id, row.file_id, row.unit_id) == (
        "cases.hardshipfile",
        file_a1.pk,
        file_a1.pk,
        file_a1.unit_id,
    )
    page = client_for(federation_staff).get(reverse("cases:file_access_log", args=[file_a1.pk]))
    assert "Refused (not allowed for the role)" in page.content.decode()
    assert page.content.decode().count('class="table-warning"') == 1


def test_a_refused_page_that_names_no_object_logs_what_was_refused(client_for, cadre):
    assert client_for(cadre).get(reverse("reports:annual_summary")).status_code == 403
    row = _refusal()
    assert (row.object_type, row.object_id, row.file_id, row.unit_id) == ("reports:annual_summary", None, None, None)


def test_an_api_refusal_by_role_is_logged(api, cadre, file_a1):  # noqa: F811 - the fixture
    aid_pk = _submitted_aid(file_a1)
    response = api.as_user(cadre).post(reverse("api:aid-request-approve", args=[aid_pk]), {})
    assert response.status_code == 403
    row = _refusal()
    assert (row.user, row.object_type, row.object_id, row.file_id) == (cadre, "funds.aidrequest", aid_pk, file_a1.pk)


def test_anonymous_refusals_and_pages_shown_add_no_refusal(client, client_for, cadre, file_a1):
    assert client.post(reverse("funds:aid_decide", args=[1, "approve"])).status_code in (302, 403)
    assert client_for(cadre).get(file_a1.get_absolute_url()).status_code == 200
    assert not AccessLog.objects.filter(action=Action.FORBIDDEN).exists()


def test_every_url_name_in_the_object_map_names_real_urls():
    from audit.denials import MODEL_BY_URL
    from tests.test_url_matrix import MATRIX

    for key in MODEL_BY_URL:
        matching = [name for name in MATRIX if name == key or (key.endswith("*") and name.startswith(key[:-1]))]
        assert matching, f"{key} matches no URL name"


def test_an_upload_is_traced_to_its_household_through_its_relations_not_its_stored_file(cadre, file_a1):
    """A visit photo's and an aid document's `file` is the stored upload; the household is behind `visit`/`request`."""
    from audit.denials import _household_and_unit
    from funds.models import AidDocument
    from tests.factories import VisitAttachmentFactory
    from tests.funds.helpers import document_args
    from visits.models import VisitAttachment

    photo = VisitAttachmentFactory(visit__file=file_a1)
    assert _household_and_unit(VisitAttachment, photo.pk) == (file_a1.pk, file_a1.unit_id)
    (document_pk,) = document_args(file_a1)
    assert _household_and_unit(AidDocument, document_pk) == (file_a1.pk, file_a1.unit_id)
