"""Notifications and reports through the API: one's own only, the same services as the pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.workflow import FileStatus
from notices.models import Notification
from reports.models import Report, ReportStatus
from tests.factories import HardshipFileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reports_in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def test_notifications_are_ones_own_and_marked_read(api, cadre, cadre_other_branch):
    mine = Notification.objects.create(user=cadre, kind="visits.monthly", params={})
    theirs = Notification.objects.create(user=cadre_other_branch, kind="visits.monthly", params={})
    client = api.as_user(cadre)
    rows = client.get(reverse("api:notification-list")).json()["results"]
    assert [(r["id"], r["read"]) for r in rows] == [(mine.pk, False)] and rows[0]["title"]
    assert client.post(reverse("api:notification-read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api:notification-read", args=[mine.pk])).json()["read"] is True
    Notification.objects.create(user=cadre, kind="visits.monthly", params={})
    assert client.post(reverse("api:notification-read-all")).json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_chair_asks_for_an_annual_summary_and_downloads_it(
    api, branch_chair, branch_a, group_a1, django_capture_on_commit_callbacks
):
    HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, filed_on=timezone.localdate())
    client = api.as_user(branch_chair)
    ask = {"kind": "annual_summary", "unit_id": branch_a.pk, "year": timezone.localdate().year}
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, run in-process
        response = client.post(reverse("api:report-list"), ask)
    assert response.status_code == 201, response.json()
    report = client.get(reverse("api:report-detail", args=[response.json()["id"]])).json()
    assert report["status"] == "done" and report["download"]
    pdf = client.get(report["download"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    again = client.post(reverse("api:report-list"), ask)
    assert again.status_code == 200 and again.json()["id"] == report["id"]


def test_report_refusals(api, cadre, branch_chair, chair_other_branch, branch_a, branch_b, file_a1):
    chair = api.as_user(branch_chair)
    assert "kind" in chair.post(reverse("api:report-list"), {"kind": "nonsense"}).json()
    summary = {"kind": "annual_summary", "year": 2025}
    other_unit = chair.post(reverse("api:report-list"), {**summary, "unit_id": branch_b.pk})
    assert other_unit.status_code == 400 and "unit_id" in other_unit.json()
    assert "year" in chair.post(reverse("api:report-list"), {"kind": "annual_summary", "unit_id": branch_a.pk}).json()
    queued = Report.objects.create(
        kind="annual_summary", unit=branch_a, params={"year": 2025}, language="en", key="k", title="T",
        requested_by=branch_chair,
    )  # fmt: skip
    assert queued.status == ReportStatus.QUEUED
    assert chair.get(reverse("api:report-download", args=[queued.pk])).status_code == 409
    other = api.as_user(chair_other_branch)
    assert other.get(reverse("api:report-detail", args=[queued.pk])).status_code == 404
    assert other.get(reverse("api:report-download", args=[queued.pk])).status_code == 404
    cadre_asks = api.as_user(cadre).post(reverse("api:report-list"), {**summary, "unit_id": branch_a.pk})
    assert cadre_asks.status_code == 400
    assert Report.objects.count() == 1


def test_notification_and_report_lists_keep_their_query_count(api, cadre, group_a1, django_assert_max_num_queries):
    client = api.as_user(cadre)
    Notification.objects.create(user=cadre, kind="visits.monthly", params={})
    client.get(reverse("api:notification-list"))
    with django_assert_max_num_queries(6) as few_notifications:
        client.get(reverse("api:notification-list"))
    with django_assert_max_num_queries(6) as few_reports:
        client.get(reverse("api:report-list"))
    for n in range(12):
        Notification.objects.create(user=cadre, kind="visits.monthly", params={})
        Report.objects.create(kind="annual_summary", unit=group_a1, params={"year": 2025}, language="en",
                              key=f"q{n}", title="T", requested_by=cadre)  # fmt: skip
    with django_assert_max_num_queries(len(few_notifications.captured_queries)):
        assert len(client.get(reverse("api:notification-list")).json()["results"]) == 13
    with django_assert_max_num_queries(len(few_reports.captured_queries)):
        assert len(client.get(reverse("api:report-list")).json()["results"]) == 12
