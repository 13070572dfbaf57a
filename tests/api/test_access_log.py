"""The API's reads and refusals go to the access log like the pages'."""

import pytest
from django.urls import reverse

from audit.models import AccessLog, Action
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_api_reads_are_logged_and_api_refusals_too(api, cadre, cadre_other_branch, file_a1):
    member = MemberFactory(file=file_a1)
    client = api.as_user(cadre)
    assert client.get(reverse("api:file-detail", args=[file_a1.pk])).status_code == 200
    assert client.get(reverse("api:member-detail", args=[member.pk])).status_code == 200
    assert client.get(reverse("api:file-list")).status_code == 200
    assert api.as_user(cadre_other_branch).get(reverse("api:file-detail", args=[file_a1.pk])).status_code == 404
    rows = list(AccessLog.objects.order_by("pk").values_list("user__username", "action", "object_type", "file_id"))
    assert rows == [
        ("cadre", Action.API, "cases.hardshipfile", file_a1.pk),
        ("cadre", Action.API, "cases.member", file_a1.pk),
        ("cadre", Action.API, "cases.hardshipfile", None),
        ("cadre_b", Action.DENIED, "cases.hardshipfile", file_a1.pk),
    ]
