"""Asking for a report, generating it in-process, reusing it, downloading it: scoped and checked."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from notices.models import Notification
from reports.models import Report, ReportStatus
from reports.services import report_request

from .pdf import needs_pdftotext, pdf_fonts, pdf_text

pytestmark = [pytest.mark.django_db, needs_pdftotext]


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    """Run the on-commit dispatch (the in-process task) as a real commit would."""
    global _on_commit
    _on_commit = django_capture_on_commit_callbacks


def _ask(client, unit, year=2025, **extra):
    data = {"unit_id": unit.pk, "year": year, **extra}
    with _on_commit(execute=True):
        return client.post(reverse("reports:report_create", args=["annual_summary"]), data)


def _download(client, report) -> bytes:
    response = client.get(reverse("reports:report_download", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_federation_staff_get_the_annual_summary_as_a_pdf_with_its_chinese_text(
    client_for, federation_staff, federation, year_data, frozen
):
    client = client_for(federation_staff, "zh-hans")
    response = _ask(client, federation)
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.status == ReportStatus.DONE and report.progress == 100 and report.pages >= 1
    text = pdf_text(_download(client, report))
    for expected in ("年度汇总", "市总工会", "甲分会", "乙分会", "深度困难", "甲一帮扶资金", "医疗救助", "1500.00"):
        assert expected in text, expected
    assert "第 1 页" in text  # the footer's "page X of Y"
    assert "Noto-Sans-CJK-SC" in pdf_fonts(_download(client, report))  # the Chinese face, embedded
    notification = Notification.objects.get(user=federation_staff)
    assert notification.kind == "reports.done" and notification.link == report.get_absolute_url()


def test_the_same_report_on_unchanged_data_is_served_from_the_stored_file(
    client_for, federation_staff, federation, year_data, frozen
):
    client = client_for(federation_staff)
    _ask(client, federation)
    _ask(client, federation)
    assert Report.objects.count() == 1
    # A change to the data makes the next request generate afresh.
    frozen.shift(60)
    year_data["f4"].save()
    _ask(client, federation)
    assert Report.objects.count() == 2
    # And asking to regenerate always does.
    _ask(client, federation, regenerate="on")
    assert Report.objects.count() == 3
    assert Report.objects.filter(status=ReportStatus.DONE).count() == 3


def test_another_language_is_another_report(client_for, federation_staff, federation, year_data, frozen):
    _ask(client_for(federation_staff, "en"), federation)
    _ask(client_for(federation_staff, "zh-hans"), federation)
    assert sorted(Report.objects.values_list("language", flat=True)) == ["en", "zh-hans"]


def test_out_of_scope_users_cannot_see_download_or_poll_a_report(
    client_for, federation_staff, federation, branch_a, year_data, frozen, chair_other_branch, cadre, nobody
):
    _ask(client_for(federation_staff), federation)
    report = Report.objects.get()
    for user in (chair_other_branch, cadre, nobody):
        client = client_for(user)
        for name in ("report_detail", "report_status", "report_download"):
            assert client.get(reverse(f"reports:{name}", args=[report.pk])).status_code == 404, (user, name)
        assert client.post(reverse("reports:report_regenerate", args=[report.pk])).status_code == 404
        assert report not in client.get(reverse("reports:report_list")).context["page"].items
    assert Report.objects.count() == 1


def test_a_tampered_report_id_is_a_404(client_for, federation_staff, frozen):
    client = client_for(federation_staff)
    for pk in (999999, 0):
        assert client.get(reverse("reports:report_download", args=[pk])).status_code == 404
    assert client.get("/reports/abc/download/").status_code == 404


def test_a_branch_chair_cannot_ask_for_another_branch_or_the_federation(
    client_for, branch_chair, federation, branch_b, branch_a, year_data, frozen
):
    client = client_for(branch_chair)
    for unit in (federation, branch_b):
        response = _ask(client, unit)
        assert response.status_code == 302
    assert not Report.objects.exists()
    messages = [str(m) for m in client.get(reverse("reports:report_list")).context["messages"]]
    assert any("Choose one of your units" in m for m in messages)
    _ask(client, branch_a)
    assert Report.objects.get().unit == branch_a


def test_a_cadre_may_not_ask_for_a_summary(client_for, cadre, group_a1, year_data, frozen):
    assert client_for(cadre).get(reverse("reports:annual_summary")).status_code == 403
    _ask(client_for(cadre), group_a1)
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (2027, "cannot be later than this year"),
        (1999, "cannot be earlier than 2000"),
        ("twenty", "Enter a whole number"),
        (2010, "nothing to summarise"),
    ],
)
def test_bad_years_give_a_clear_message_and_generate_nothing(
    client_for, federation_staff, federation, year_data, frozen, year, message
):
    client = client_for(federation_staff)
    response = _ask(client, federation, year=year)
    assert response.status_code == 302
    assert not Report.objects.exists()
    preview = client.get(reverse("reports:annual_summary"), {"unit_id": federation.pk, "year": year})
    assert preview.status_code == 200 and message in preview.content.decode()


def test_a_report_whose_file_was_deleted_says_so_and_can_be_made_again(
    client_for, federation_staff, federation, year_data, frozen
):
    client = client_for(federation_staff)
    _ask(client, federation)
    report = Report.objects.get()
    default_storage.delete(report.file.name)
    response = client.get(reverse("reports:report_download", args=[report.pk]), follow=True)
    assert response.status_code == 200
    assert "no longer stored" in response.content.decode()
    # Asking again does not reuse the lost file.
    _ask(client, federation)
    assert Report.objects.filter(status=ReportStatus.DONE).count() == 2


def test_the_status_page_and_its_json(client_for, federation_staff, federation, year_data, frozen):
    client = client_for(federation_staff)
    report, _reused = report_request(user=federation_staff, kind="annual_summary", unit=federation,
                                     params={"year": 2025})  # fmt: skip
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-status-url="/reports/' in page and "js/report_status.js" in page
    assert "<script>" not in page  # no inline script: the page's script is a static file
    state = client.get(reverse("reports:report_status", args=[report.pk])).json()
    assert state["status"] in ("queued", "done") and set(state) == {"status", "label", "progress", "error", "finished"}
