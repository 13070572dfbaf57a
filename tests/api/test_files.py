"""Units, hardship files and members through the API: scope, permissions, validation and masks as on the pages."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cases.models import Cause, HardshipFile, Member, Tier
from cases.workflow import FileStatus
from org.privacy import mask_id
from tests.cases.helpers import create_file
from tests.factories import HardshipFileFactory, new_resident_id

pytestmark = pytest.mark.django_db


def new_file_body(unit, **overrides) -> dict:
    causes = list(Cause.objects.order_by("order").values_list("pk", flat=True)[:2])
    body = {
        "unit": unit.pk,
        "name": "王小明",
        "id_number": new_resident_id(),
        "phone": "13800001111",
        "employment_status": "laid_off",
        "health": "chronic",
        "worker_income": "1500.00",
        "other_income": "300",
        "causes": causes,
        "primary_cause": causes[0],
        "tier": Tier.objects.order_by("order").first().pk,
    }
    body.update(overrides)
    return body


def test_anonymous_gets_401_with_token_challenge(api):
    response = api.get(reverse("api:file-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_units_are_the_callers_scope(api, cadre, branch_chair, group_a1, group_a2, group_b1):
    names = {u["name"] for u in api.as_user(branch_chair).get(reverse("api:unit-list")).json()["results"]}
    assert names == {"Branch A", "Group A1", "Group A2"}
    response = api.as_user(cadre).get(reverse("api:unit-list"))
    assert [u["roles"] for u in response.json()["results"]] == [["cadre"]]
    assert api.get(reverse("api:unit-detail", args=[group_b1.pk])).status_code == 404


def test_file_list_is_scoped_and_masks_for_federation_staff(api, cadre, cadre_other_branch, federation_staff, file_a1):
    rows = api.as_user(cadre).get(reverse("api:file-list")).json()["results"]
    assert [(r["id"], r["id_number"]) for r in rows] == [(file_a1.pk, file_a1.id_number)]
    assert api.as_user(cadre_other_branch).get(reverse("api:file-list")).json()["results"] == []
    staff_row = api.as_user(federation_staff).get(reverse("api:file-list")).json()["results"][0]
    assert staff_row["id_number"] == mask_id(file_a1.id_number)
    assert staff_row["per_capita_income"] == str(file_a1.per_capita_income)  # staff see incomes


def test_out_of_scope_cannot_see_count_search_or_change(api, cadre_other_branch, nobody, file_a1):
    for user in (cadre_other_branch, nobody):
        client = api.as_user(user)
        assert client.get(reverse("api:file-detail", args=[file_a1.pk])).status_code == 404
        search = reverse("api:file-search")
        assert client.post(search, {"q": file_a1.id_number[:8]}).json()["results"] == []
        assert client.post(search, {"q": file_a1.id_number}).json()["results"] == []
        assert client.post(search, {"q": file_a1.name}).json()["results"] == []
        assert client.get(reverse("api:file-list")).json()["results"] == []
        assert client.patch(reverse("api:file-detail", args=[file_a1.pk]), {"name": "x"}).status_code == 404
        assert client.get(reverse("api:file-members", args=[file_a1.pk])).status_code == 404
        assert client.post(reverse("api:file-members", args=[file_a1.pk]), {"name": "x"}).status_code == 404
    file_a1.refresh_from_db()
    assert file_a1.name != "x"


def test_nonexistent_and_out_of_scope_answer_alike(api, cadre_other_branch, file_a1):
    client = api.as_user(cadre_other_branch)
    hidden = client.get(reverse("api:file-detail", args=[file_a1.pk]))
    missing = client.get(reverse("api:file-detail", args=[file_a1.pk + 1000]))
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())


def test_detail_masks_identity_health_for_federation_staff(api, cadre, federation_staff, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    full = api.as_user(cadre).get(reverse("api:file-detail", args=[hfile.pk])).json()
    assert full["id_number"] == hfile.id_number and full["phone"] == "13800001111"
    assert full["members"][0]["health"] == "serious"
    masked = api.as_user(federation_staff).get(reverse("api:file-detail", args=[hfile.pk])).json()
    assert masked["id_number"] == mask_id(hfile.id_number)
    assert masked["phone"] == "138****1111"
    assert masked["health"] == "***" and masked["members"][0]["health"] == "***"
    assert masked["worker_income"] == "1500.00"
    assert "submit" in full["actions"] and masked["actions"] == []


def test_cadre_creates_a_file_through_the_card_rules(api, cadre, group_a1):
    response = api.as_user(cadre).post(reverse("api:file-list"), new_file_body(group_a1))
    assert response.status_code == 201, response.json()
    hfile = HardshipFile.objects.get(pk=response.json()["id"])
    assert hfile.unit == group_a1 and hfile.status == FileStatus.DRAFT
    assert hfile.events.filter(action="create", actor=cadre).exists()
    assert response.json()["per_capita_income"] == "1800.00"


def test_create_refuses_bad_input_with_field_errors(api, cadre, group_a1, group_b1):
    client = api.as_user(cadre)
    body = new_file_body(group_a1, id_number="110101199003077770", worker_income="lots")
    del body["name"]
    errors = client.post(reverse("api:file-list"), body).json()
    assert set(errors) == {"name", "id_number", "worker_income"}
    other_unit = client.post(reverse("api:file-list"), new_file_body(group_b1)).json()
    assert "unit" in other_unit
    wrong_type = client.post(reverse("api:file-list"), new_file_body(group_a1, name={"a": 1}))
    assert wrong_type.status_code == 400 and "name" in wrong_type.json()
    assert client.post(reverse("api:file-list"), [1, 2], format="json").status_code == 400
    assert HardshipFile.objects.count() == 0


def test_field_errors_in_chinese(api, cadre, group_a1):
    body = new_file_body(group_a1)
    del body["name"]
    errors = api.as_user(cadre, language="zh-hans").post(reverse("api:file-list"), body).json()
    with translation.override("zh-hans"):
        required = gettext("This field is required.")
    assert errors["name"] == [required] and required != "This field is required."


def test_duplicate_id_is_refused_by_the_service(api, cadre, group_a1, file_a1):
    response = api.as_user(cadre).post(reverse("api:file-list"), new_file_body(group_a1, id_number=file_a1.id_number))
    assert response.status_code == 400 and "id_number" in response.json()


def test_federation_staff_may_not_create_files(api, federation_staff, group_a1):
    response = api.as_user(federation_staff).post(reverse("api:file-list"), new_file_body(group_a1))
    assert response.status_code == 403


def test_patch_changes_only_what_is_sent(api, cadre, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    response = api.as_user(cadre).patch(reverse("api:file-detail", args=[hfile.pk]), {"address": "新路2号"})
    assert response.status_code == 200, response.json()
    hfile.refresh_from_db()
    assert hfile.address == "新路2号" and hfile.name == "王小明"
    assert hfile.members.count() == 1 and hfile.file_causes.count() == 2


def test_patch_refused_when_the_page_refuses(api, cadre, federation_staff, group_a1):
    hfile = HardshipFileFactory(unit=group_a1, created_by=cadre, status=FileStatus.CLOSED)
    assert api.as_user(cadre).patch(reverse("api:file-detail", args=[hfile.pk]), {"name": "x"}).status_code == 403
    open_file = HardshipFileFactory(unit=group_a1, created_by=cadre)
    url = reverse("api:file-detail", args=[open_file.pk])
    assert api.as_user(federation_staff).patch(url, {"name": "x"}).status_code == 403


def test_members_added_changed_and_removed_through_the_card_formset(api, cadre, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    client = api.as_user(cadre)
    body = {"relation": "child", "name": "王小红", "age": 12, "schooling": "primary", "monthly_income": "0"}
    created = client.post(reverse("api:file-members", args=[hfile.pk]), body)
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    hfile.refresh_from_db()
    assert hfile.household_size == 3
    assert client.patch(reverse("api:member-detail", args=[pk]), {"job": "学生"}).json()["job"] == "学生"
    assert client.delete(reverse("api:member-detail", args=[pk])).status_code == 204
    assert not Member.objects.filter(pk=pk).exists()


def test_member_refusals(api, cadre, cadre_other_branch, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    client = api.as_user(cadre)
    no_age = client.post(reverse("api:file-members", args=[hfile.pk]), {"relation": "child", "name": "小"})
    assert no_age.status_code == 400 and "age" in no_age.json()
    member = hfile.members.get()
    other = api.as_user(cadre_other_branch)
    assert other.patch(reverse("api:member-detail", args=[member.pk]), {"name": "x"}).status_code == 404
    assert other.delete(reverse("api:member-detail", args=[member.pk])).status_code == 404
    assert Member.objects.filter(pk=member.pk, name="李红").exists()


def test_filters_are_the_file_lists(api, cadre, group_a1):
    closed = HardshipFileFactory(unit=group_a1, created_by=cadre, status=FileStatus.CLOSED)
    active = HardshipFileFactory(unit=group_a1, created_by=cadre)
    client = api.as_user(cadre)
    assert [r["id"] for r in client.get(reverse("api:file-list")).json()["results"]] == [active.pk]
    everything = client.get(reverse("api:file-list"), {"status": "all"}).json()["results"]
    assert {r["id"] for r in everything} == {active.pk, closed.pk}
    bad = client.get(reverse("api:file-list"), {"status": "nonsense", "unit": "99999"})
    assert bad.status_code == 400 and set(bad.json()) == {"status", "unit"}


def test_huge_or_bad_page_sizes_are_clamped(api, cadre, group_a1, settings):
    settings.API = {**settings.API, "MAX_PAGE_SIZE": 3}
    HardshipFileFactory.create_batch(5, unit=group_a1, created_by=cadre)
    client = api.as_user(cadre)
    for size in ("1000000000000000000000", "3", "-1", "abc"):
        response = client.get(reverse("api:file-list"), {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 3
    page = client.get(reverse("api:file-list"), {"page_size": 2}).json()
    second = client.get(page["next"]).json()
    assert len(second["results"]) == 2
    assert client.get(reverse("api:file-list"), {"cursor": "garbage"}).status_code == 404


def test_file_list_query_count_is_constant(api, cadre, group_a1, django_assert_max_num_queries):
    client = api.as_user(cadre)
    HardshipFileFactory.create_batch(2, unit=group_a1, created_by=cadre)
    client.get(reverse("api:file-list"))  # warm the scope and configuration caches
    with django_assert_max_num_queries(4) as small:
        client.get(reverse("api:file-list"))
    HardshipFileFactory.create_batch(20, unit=group_a1, created_by=cadre)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(reverse("api:file-list")).json()["results"]) == 22


def test_session_authentication_needs_csrf(client, cadre, group_a1):
    from rest_framework.test import APIClient

    session = APIClient(enforce_csrf_checks=True)
    session.force_login(cadre)
    assert session.get(reverse("api:file-list")).status_code == 200
    assert session.post(reverse("api:file-list"), new_file_body(group_a1), format="json").status_code == 403


def test_api_reads_and_refusals_are_in_the_access_log(api, cadre, cadre_other_branch, file_a1):
    from audit.models import AccessLog, Action

    api.as_user(cadre).get(reverse("api:file-detail", args=[file_a1.pk]))
    api.as_user(cadre).get(reverse("api:file-members", args=[file_a1.pk]))
    api.as_user(cadre_other_branch).get(reverse("api:file-detail", args=[file_a1.pk]))
    rows = list(AccessLog.objects.order_by("pk").values_list("user__username", "action", "file_id", "unit_id"))
    assert rows == [
        ("cadre", Action.API, file_a1.pk, file_a1.unit_id),
        ("cadre", Action.API, file_a1.pk, file_a1.unit_id),
        ("cadre_b", Action.DENIED, file_a1.pk, file_a1.unit_id),
    ]


class TestSearchStaysOutOfUrls:
    """A name or an ID number is personal data: it is searched in a POST body, never in a URL's query."""

    def test_a_search_in_the_query_string_is_refused_with_where_to_send_it(self, api, cadre, file_a1):
        response = api.as_user(cadre).get(reverse("api:file-list"), {"q": file_a1.name})
        assert response.status_code == 400
        assert response.json() == {"q": ["Search by name or ID number with POST files/search/, not in the URL."]}

    def test_search_by_name_and_id_number_in_the_body(self, api, cadre, file_a1):
        HardshipFileFactory(unit=file_a1.unit, name="Zzz Other")
        client = api.as_user(cadre)
        by_name = client.post(reverse("api:file-search"), {"q": file_a1.name[:2]})
        assert [row["id"] for row in by_name.json()["results"]] == [file_a1.pk]
        by_id = client.post(reverse("api:file-search"), {"q": file_a1.id_number[:10], "status": "all"})
        assert [row["id"] for row in by_id.json()["results"]] == [file_a1.pk]

    def test_the_body_is_validated(self, api, cadre, file_a1):
        client = api.as_user(cadre)
        empty = client.post(reverse("api:file-search"), {})
        assert (empty.status_code, empty.json()) == (400, {"q": ["Give a name or the start of an ID number."]})
        bad = client.post(reverse("api:file-search"), {"q": file_a1.name, "kind": "forever"})
        assert bad.status_code == 400 and "kind" in bad.json()
        as_form = client.post(reverse("api:file-search"), {"q": file_a1.name}, format="multipart")
        assert as_form.status_code == 415

    def test_the_next_page_is_the_same_post(self, api, cadre, group_a1):
        for n in range(3):
            HardshipFileFactory(unit=group_a1, name=f"Wang {n}")
        client = api.as_user(cadre)
        first = client.post(reverse("api:file-search") + "?page_size=2", {"q": "Wang"}).json()
        second = client.post(first["next"], {"q": "Wang"}).json()
        names = [row["name"] for row in first["results"] + second["results"]]
        assert sorted(names) == ["Wang 0", "Wang 1", "Wang 2"] and second["next"] is None
