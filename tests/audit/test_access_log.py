"""The access log: every read of a household's data and every refusal, append-only down to the database."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.access import record_access
from audit.models import AccessLog, Action, AppendOnlyError
from tests.factories import HardshipFileFactory, VisitFactory

pytestmark = pytest.mark.django_db


def test_the_file_page_is_logged_with_who_what_unit_and_request_id(client_for, cadre, file_a1):
    response = client_for(cadre).get(file_a1.get_absolute_url(), HTTP_X_REQUEST_ID="req-12345678")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-12345678"
    row = AccessLog.objects.get()
    assert (row.user, row.action, row.object_type, row.object_id) == (
        cadre,
        Action.VIEW,
        "cases.hardshipfile",
        file_a1.pk,
    )
    assert (row.file_id, row.unit_id, row.request_id) == (file_a1.pk, file_a1.unit_id, "req-12345678")
    assert row.at.utcoffset().total_seconds() == 0


def test_a_request_id_that_does_not_look_like_one_is_replaced(client_for, cadre, file_a1):
    response = client_for(cadre).get(file_a1.get_absolute_url(), HTTP_X_REQUEST_ID="x\nforged log line")
    assert len(response["X-Request-ID"]) == 32
    assert AccessLog.objects.get().request_id == response["X-Request-ID"]


def test_no_sensitive_value_is_written(client_for, cadre, file_a1):
    client_for(cadre).get(file_a1.get_absolute_url())
    client_for(cadre).get(reverse("cases:file_history", args=[file_a1.pk]))
    values = [str(v) for row in AccessLog.objects.values() for v in row.values()]
    assert AccessLog.objects.count() == 2
    assert not any(
        file_a1.id_number in v or file_a1.name in v or (file_a1.phone and file_a1.phone in v) for v in values
    )


def test_out_of_scope_is_logged_as_denied_and_gives_the_same_404_as_nonexistent(
    client_for, cadre_other_branch, file_a1
):
    client = client_for(cadre_other_branch)
    out_of_scope = client.get(file_a1.get_absolute_url())
    missing = client.get(reverse("cases:file_detail", args=[file_a1.pk + 1000]))
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.content == missing.content
    row = AccessLog.objects.get()  # the nonexistent file is not a refusal of anybody's data
    assert (row.user, row.action, row.file_id, row.unit_id) == (
        cadre_other_branch,
        Action.DENIED,
        file_a1.pk,
        file_a1.unit_id,
    )


def test_a_refused_visit_names_its_household(client_for, cadre_a2, file_a1):
    visit = VisitFactory(file=file_a1)
    assert client_for(cadre_a2).get(reverse("visits:visit_detail", args=[visit.pk])).status_code == 404
    row = AccessLog.objects.get()
    assert (row.action, row.object_type, row.object_id, row.file_id) == (
        Action.DENIED,
        "visits.visit",
        visit.pk,
        file_a1.pk,
    )


def test_reading_a_visit_is_logged_against_its_household(client_for, cadre, file_a1):
    visit = VisitFactory(file=file_a1)
    assert client_for(cadre).get(reverse("visits:visit_detail", args=[visit.pk])).status_code == 200
    row = AccessLog.objects.get()
    assert (row.object_type, row.object_id, row.file_id, row.unit_id) == (
        "visits.visit",
        visit.pk,
        file_a1.pk,
        file_a1.unit_id,
    )


def test_a_row_cannot_be_changed_or_deleted_through_the_app(cadre, file_a1):
    row = record_access(cadre, file_a1, Action.VIEW)
    row.action = Action.EXPORT
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=row.pk).update(action=Action.EXPORT)
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().action == Action.VIEW


@pytest.mark.postgres
@pytest.mark.parametrize("sql", ["UPDATE audit_accesslog SET action = 'export'", "DELETE FROM audit_accesslog"])
def test_the_database_refuses_update_and_delete(cadre, file_a1, sql):
    record_access(cadre, file_a1, Action.VIEW)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AccessLog.objects.filter(action=Action.VIEW).count() == 1


def test_an_anonymous_visitor_is_not_logged(file_a1):
    from django.contrib.auth.models import AnonymousUser

    assert record_access(AnonymousUser(), file_a1, Action.VIEW) is None
    assert not AccessLog.objects.exists()


def test_the_admin_shows_the_log_read_only(admin_client, cadre, file_a1):
    row = record_access(cadre, file_a1, Action.VIEW)
    assert admin_client.get(reverse("admin:audit_accesslog_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:audit_accesslog_change", args=[row.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.post(reverse("admin:audit_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk, action=Action.VIEW).exists()
    # The attempt itself is refused by role, and logged.
    rows = AccessLog.objects.order_by("pk").values_list("action", "object_type")
    assert list(rows) == [(Action.VIEW, "cases.hardshipfile"), (Action.FORBIDDEN, "admin:audit_accesslog_delete")]


class TestWhoLooked:
    def test_federation_staff_see_who_looked(self, client_for, cadre, federation_staff, file_a1):
        client_for(cadre).get(file_a1.get_absolute_url())
        page = client_for(federation_staff).get(reverse("cases:file_access_log", args=[file_a1.pk]))
        assert page.status_code == 200
        rows = page.context["page"].items
        assert [(r.user, r.action) for r in rows] == [(cadre, Action.VIEW)]
        assert b'id="access-log"' in page.content

    def test_the_file_page_links_it_for_federation_staff_only(self, client_for, cadre, federation_staff, file_a1):
        assert b"access-log-link" in client_for(federation_staff).get(file_a1.get_absolute_url()).content
        assert b"access-log-link" not in client_for(cadre).get(file_a1.get_absolute_url()).content

    def test_other_households_rows_are_not_shown(self, client_for, cadre, federation_staff, file_a1, group_a1):
        other = HardshipFileFactory(unit=group_a1)
        client_for(cadre).get(other.get_absolute_url())
        page = client_for(federation_staff).get(reverse("cases:file_access_log", args=[file_a1.pk]))
        assert page.context["page"].items == []

    def test_paginated_newest_first_in_constant_queries(
        self, client_for, cadre, federation_staff, file_a1, settings, django_assert_max_num_queries
    ):
        settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 3}
        rows = [record_access(cadre, file_a1, Action.VIEW) for _ in range(7)]
        client = client_for(federation_staff)
        url = reverse("cases:file_access_log", args=[file_a1.pk])
        client.get(url)
        with django_assert_max_num_queries(6):
            first = client.get(url).context["page"]
        assert [r.pk for r in first.items] == [r.pk for r in rows[::-1][:3]]
        second = client.get(url, {"after": first.next_cursor}).context["page"]
        assert [r.pk for r in second.items] == [r.pk for r in rows[::-1][3:6]]

    def test_a_chair_in_scope_is_refused(self, client_for, branch_chair, file_a1):
        assert client_for(branch_chair).get(reverse("cases:file_access_log", args=[file_a1.pk])).status_code == 403

    def test_out_of_scope_staff_get_404(self, client_for, file_a1, group_b1):
        from org.models import Role, Unit, UnitKind
        from tests.factories import UnitFactory, UserFactory

        other_federation = UnitFactory(name_zh="别的总工会", kind=UnitKind.FEDERATION)
        staff = UserFactory(username="fed2", roles=[(other_federation, Role.FEDERATION_STAFF)])
        assert Unit.objects.filter(pk=file_a1.unit_id).exists()
        assert client_for(staff).get(reverse("cases:file_access_log", args=[file_a1.pk])).status_code == 404


def test_signed_in_pages_are_not_stored(client_for, cadre, file_a1):
    response = client_for(cadre).get(file_a1.get_absolute_url())
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    for url in (reverse("cases:file_list"), reverse("dashboard"), reverse("visits:my_visits")):
        assert "no-store" in client_for(cadre).get(url)["Cache-Control"], url


def test_exports_are_logged_and_filtered_by_the_search_token(client_for, cadre, file_a1, group_a1):
    other = HardshipFileFactory(unit=group_a1)
    client = client_for(cadre)
    location = client.post(reverse("cases:file_list"), {"q": file_a1.id_number})["Location"]
    token = location.split("s=")[1]
    response = client.get(reverse("sheets:export_files"), {"s": token, "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert file_a1.name in body and other.name not in body
    client.get(reverse("sheets:export_visits", args=[file_a1.pk]), {"format": "csv"})
    rows = list(AccessLog.objects.order_by("pk").values_list("action", "object_type", "file_id", "unit_id"))
    # One row per household exported (only the one the search found), then the household's visits.
    assert rows == [
        (Action.EXPORT, "cases.hardshipfile", file_a1.pk, group_a1.pk),
        (Action.EXPORT, "cases.hardshipfile", file_a1.pk, group_a1.pk),
    ]
    assert AccessLog.objects.values("request_id").distinct().count() == 2


def test_a_list_export_logs_every_household_on_it_and_only_those(client_for, cadre, group_b1, file_a1):
    mine = [file_a1, *HardshipFileFactory.create_batch(3, unit=file_a1.unit)]
    HardshipFileFactory.create_batch(2, unit=group_b1)
    response = client_for(cadre).get(reverse("sheets:export_files"), {"format": "csv"})
    assert response.status_code == 200
    rows = AccessLog.objects.filter(action=Action.EXPORT, user=cadre)
    assert sorted(rows.values_list("file_id", flat=True)) == sorted(f.pk for f in mine)
    assert set(rows.values_list("object_type", "unit_id", "request_id")) == {
        ("cases.hardshipfile", file_a1.unit_id, response["X-Request-ID"])
    }


def test_an_aid_export_logs_each_request_against_its_household(client_for, branch_chair, file_a1):
    from tests.funds.helpers import aid_args

    (aid_pk,) = aid_args(file_a1)
    client_for(branch_chair).get(reverse("sheets:export_aid"), {"format": "csv"})
    row = AccessLog.objects.get(action=Action.EXPORT)
    assert (row.object_type, row.object_id, row.file_id, row.unit_id) == (
        "funds.aidrequest",
        aid_pk,
        file_a1.pk,
        file_a1.unit_id,
    )
