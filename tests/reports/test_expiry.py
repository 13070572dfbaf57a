"""Stored report files are deleted after REPORT_RETENTION_DAYS: the report stays, expired, and can be made again."""

import datetime as dt
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports.models import Report, ReportStatus
from reports.services import reports_expire

from .pdf import needs_pdftotext

pytestmark = [pytest.mark.django_db, needs_pdftotext]


@pytest.fixture
def ask(client_for, federation_staff, federation, year_data, frozen, django_capture_on_commit_callbacks):
    client = client_for(federation_staff)

    def ask(**extra) -> Report:
        with django_capture_on_commit_callbacks(execute=True):
            data = {"unit_id": federation.pk, "year": 2025, **extra}
            client.post(reverse("reports:report_create", args=["annual_summary"]), data)
        return Report.objects.first()

    ask.client = client
    ask.commits = django_capture_on_commit_callbacks
    return ask


def _made_days_ago(report: Report, days: int) -> None:
    Report.objects.filter(pk=report.pk).update(finished_at=timezone.now() - dt.timedelta(days=days))


def test_files_past_the_retention_are_deleted_and_their_reports_kept_as_expired(ask, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "REPORT_RETENTION_DAYS": 30}
    old = ask()
    recent = ask(regenerate="on")
    _made_days_ago(old, 31)
    _made_days_ago(recent, 29)
    old_name, recent_name = old.file.name, recent.file.name
    assert reports_expire() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == ReportStatus.EXPIRED and not old.file and not default_storage.exists(old_name)
    assert recent.status == ReportStatus.DONE and default_storage.exists(recent_name)
    # Run again: nothing more to do.
    assert reports_expire() == 0


def test_an_expired_report_says_so_and_is_made_again(ask, client_for, chair_other_branch):
    report = ask()
    _made_days_ago(report, 365)
    reports_expire()
    client = ask.client
    response = client.get(reverse("reports:report_download", args=[report.pk]), follow=True)
    assert "has expired" in response.content.decode()
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Its file was deleted 90 days after it was made" in page and "Expired" in page
    # Asking for the same report again makes a new one instead of pointing at the expired row.
    again = ask()
    assert again.pk != report.pk and again.status == ReportStatus.DONE
    with ask.commits(execute=True):
        client.post(reverse("reports:report_regenerate", args=[report.pk]))
    assert Report.objects.filter(status=ReportStatus.DONE).count() == 2
    # Another branch's chair cannot see the expired report either.
    assert client_for(chair_other_branch).get(report.get_absolute_url()).status_code == 404


def test_the_command_expires_by_hand(ask):
    _made_days_ago(ask(), 91)
    out = StringIO()
    call_command("expire_reports", stdout=out)
    assert "1 report file(s) older than 90 days deleted" in out.getvalue()
    assert Report.objects.get().status == ReportStatus.EXPIRED


def test_the_daily_task_expires_and_is_scheduled(ask, settings):
    from reports.tasks import reports_expire_task

    _made_days_ago(ask(), 91)
    assert reports_expire_task.delay().get() == 1
    assert settings.CELERY_BEAT_SCHEDULE["reports-expire"]["task"] == reports_expire_task.name
