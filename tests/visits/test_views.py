"""The visits pages: scoping (404, never listed or counted), the one-screen form, bad input, constant queries."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import AssistancePlan, HardshipFile, PlanHelper
from tests.factories import JPEG_BYTES, MonitoringFlagFactory, VisitAttachmentFactory, VisitFactory
from visits.models import MonitoringFlag, OutcomeReason, Visit, VisitAttachment

from .conftest import filed_file
from .test_record import EXE_BYTES

pytestmark = pytest.mark.django_db


def form_data(visitors, **overrides) -> dict:
    data = {
        "visited_on": "2026-03-12",
        "kind": "monthly",
        "met": "本人",
        "knows_name": "on",
        "knows_phone": "on",
        "outcome": "no_change",
        "reason": "",
        "visitors": [u.pk for u in visitors],
        "condolence_money": "0.00",
        "goods": "",
        "notes": "",
    }
    data.update(overrides)
    return data


# Session, user, the board in one query, whatever the number of households (the badge is cached), and the
# cadre's offline conflicts still to resolve.
MY_VISITS_QUERIES = 4


def queries(client, url, **params) -> int:
    client.get(url, params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx)


class TestRecordPage:
    def test_form_is_one_phone_screen_with_a_camera_input(self, client_for, filed, cadre):
        response = client_for(cadre).get(reverse("visits:visit_create", args=[filed.pk]))
        html = response.content.decode()
        assert 'accept="image/*,application/pdf"' in html and 'capture="environment"' in html
        assert 'enctype="multipart/form-data"' in html

    def test_clear_decline_with_a_photo_flags_the_file(self, client_for, filed, cadre):
        client = client_for(cadre)
        reason = OutcomeReason.objects.get(code="nobody-employed")
        photo = SimpleUploadedFile("door.jpg", JPEG_BYTES, content_type="image/jpeg")
        data = form_data([cadre], outcome="declined", reason=reason.pk, kind="monitoring", attachments=photo)
        response = client.post(reverse("visits:visit_create", args=[filed.pk]) + "?from=board", data)
        assert response.status_code == 302 and response["Location"] == reverse("visits:my_visits")
        visit = Visit.objects.get()
        assert visit.attachments.count() == 1 and visit.knows_count == 2
        page = client.get(filed.get_absolute_url()).content.decode()
        assert 'id="file-flag-badge"' in page and "1 flag" in page

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"visited_on": "2026-03-17"}, "future"),
            ({"visited_on": "2026-01-05"}, "before the file was opened"),
            ({"attachments": "exe"}, "is not a photo"),
        ],
    )
    def test_bad_input_shows_a_clear_message_and_saves_nothing(self, client_for, filed, cadre, overrides, message):
        if overrides.get("attachments") == "exe":
            overrides = {"attachments": SimpleUploadedFile("photo.jpg", EXE_BYTES, content_type="image/jpeg")}
        response = client_for(cadre).post(
            reverse("visits:visit_create", args=[filed.pk]), form_data([cadre], **overrides)
        )
        assert response.status_code == 200 and message in response.content.decode()
        assert not Visit.objects.exists() and not VisitAttachment.objects.exists()

    def test_visitor_out_of_scope_is_not_a_choice(self, client_for, filed, cadre, cadre_other_branch):
        client = client_for(cadre)
        form = client.get(reverse("visits:visit_create", args=[filed.pk])).context["form"]
        assert cadre_other_branch not in form.fields["visitors"].queryset
        response = client.post(reverse("visits:visit_create", args=[filed.pk]), form_data([cadre, cadre_other_branch]))
        assert response.status_code == 200 and "visitors" in response.context["form"].errors
        assert not Visit.objects.exists()

    def test_second_monthly_visit_is_refused_on_the_form(self, client_for, filed, cadre):
        VisitFactory(file=filed, visited_on=dt.date(2026, 3, 2))
        response = client_for(cadre).post(reverse("visits:visit_create", args=[filed.pk]), form_data([cadre]))
        assert "already has a monthly visit" in response.content.decode()
        assert Visit.objects.count() == 1

    def test_closed_file_redirects_with_a_message(self, client_for, filed, cadre):
        HardshipFile.objects.filter(pk=filed.pk).update(status="closed")
        response = client_for(cadre).post(reverse("visits:visit_create", args=[filed.pk]), form_data([cadre]))
        assert response.status_code == 302 and not Visit.objects.exists()

    def test_out_of_scope_post_is_404_and_saves_nothing(self, client_for, filed, cadre_other_branch):
        url = reverse("visits:visit_create", args=[filed.pk])
        response = client_for(cadre_other_branch).post(url, form_data([cadre_other_branch]))
        assert response.status_code == 404 and not Visit.objects.exists()


class TestScoping:
    def test_my_visits_never_lists_other_branches(self, client_for, filed, group_b1, cadre_other_branch):
        filed_file(group_b1, name="乙户")
        html = client_for(cadre_other_branch).get(reverse("visits:my_visits"), {"all": "1"}).content.decode()
        assert "乙户" in html and filed.name not in html

    def test_attachment_is_streamed_in_scope_and_404_outside(
        self, client_for, filed, cadre, cadre_other_branch, federation_staff
    ):
        attachment = VisitAttachmentFactory(visit__file=filed, original_name="扫描件.pdf")
        url = attachment.get_absolute_url()
        response = client_for(cadre).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert client_for(federation_staff).get(url).status_code == 200
        assert client_for(cadre_other_branch).get(url).status_code == 404

    def test_flags_are_listed_and_counted_only_in_scope(self, client_for, filed, group_b1, cadre_other_branch):
        MonitoringFlagFactory(file=filed)
        MonitoringFlagFactory(file=filed_file(group_b1, name="乙户"))
        response = client_for(cadre_other_branch).get(reverse("visits:flag_list"))
        assert response.context["count"] == 1
        assert [f.file.name for f in response.context["page"].items] == ["乙户"]

    def test_out_of_scope_cannot_handle_a_flag(self, client_for, filed, cadre_other_branch):
        flag = MonitoringFlagFactory(file=filed)
        url = reverse("visits:flag_handle", args=[flag.pk])
        assert client_for(cadre_other_branch).post(url, {"note": "x"}).status_code == 404
        assert MonitoringFlag.objects.open().count() == 1

    def test_handle_needs_a_note(self, client_for, filed, cadre):
        flag = MonitoringFlagFactory(file=filed)
        client = client_for(cadre)
        url = reverse("visits:flag_handle", args=[flag.pk])
        assert client.post(url, {"note": " "}).status_code == 200
        assert client.post(url, {"note": "已申请临时救助"}).status_code == 302
        assert not MonitoringFlag.objects.open().exists()

    def test_compliance_lists_only_units_in_scope(self, client_for, filed, cadre_other_branch):
        rows = client_for(cadre_other_branch).get(reverse("visits:compliance"), {"month": "2026-03"}).context["rows"]
        assert [r.name for r in rows] == ["Group B1"]

    def test_visit_pages_are_404_out_of_scope(self, client_for, filed, cadre_other_branch):
        visit = VisitFactory(file=filed)
        client = client_for(cadre_other_branch)
        for url in (visit.get_absolute_url(), reverse("visits:file_visits", args=[filed.pk])):
            assert client.get(url).status_code == 404


class TestQueries:
    def test_my_visits_is_constant(self, client_for, filed, group_a1, cadre):
        client = client_for(cadre)
        url = reverse("visits:my_visits")
        few = queries(client, url, all="1")
        for _ in range(15):
            VisitFactory(file=filed_file(group_a1), visited_on=dt.date(2026, 3, 1))
        assert queries(client, url, all="1") == few <= 6

    @pytest.mark.parametrize("households", [5, 50])
    def test_my_visits_for_a_cadre_costs_the_same_for_5_and_for_50_households(
        self, client_for, frozen, group_a1, cadre, households, django_assert_num_queries
    ):
        # Due, overdue (no visit in February either), done, and a holiday visit owed: every kind of row.
        for i in range(households):
            hfile = filed_file(group_a1, filed_on=dt.date(2025, 12, 1))
            PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="目标"), user=cadre)
            if i % 3 == 1:
                VisitFactory(file=hfile, visited_on=dt.date(2026, 3, 2))
            if i % 3 != 2:
                VisitFactory(file=hfile, visited_on=dt.date(2026, 2, 2))
        client = client_for(cadre)
        url = reverse("visits:my_visits")
        client.get(url)
        with django_assert_num_queries(MY_VISITS_QUERIES):
            response = client.get(url)
        assert response.content.decode().count("btn-record") == households - len(range(1, households, 3))

    def test_compliance_is_constant(self, client_for, filed, group_a1, group_a2, federation_staff):
        client = client_for(federation_staff)
        url = reverse("visits:compliance")
        few = queries(client, url, month="2026-02")
        for unit in (group_a1, group_a2) * 5:
            VisitFactory(file=filed_file(unit), visited_on=dt.date(2026, 2, 10), kind="holiday")
        assert queries(client, url, month="2026-02") == few <= 7

    def test_file_visits_and_flags_are_constant(self, client_for, filed, cadre, branch_chair):
        client = client_for(cadre)
        visits_url = reverse("visits:file_visits", args=[filed.pk])
        flags_url = reverse("visits:flag_list")
        VisitAttachmentFactory(visit=VisitFactory(file=filed, visited_on=dt.date(2026, 1, 20)))
        few_visits, few_flags = queries(client, visits_url), queries(client, flags_url)
        for day in range(1, 8):
            visit = VisitFactory(file=filed, visited_on=dt.date(2026, 2, day), kind="monitoring")
            visit.visitors.set([cadre, branch_chair])
            VisitAttachmentFactory(visit=visit)
            MonitoringFlagFactory(file=filed_file(filed.unit), visit=visit)
        assert queries(client, visits_url) == few_visits <= 10
        assert queries(client, flags_url) == few_flags <= 6
