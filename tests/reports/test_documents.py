"""The other printable documents: a household's card, a visit roster, a fund statement, an aid approval sheet."""

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import AssistancePlan, HardshipFile, PlanHelper
from funds.models import AidRequest
from reports.models import Report, ReportStatus
from reports.services import ReportTransientError, report_generate, report_request, reports_sweep
from tests.factories import MemberFactory

from .pdf import needs_pdftotext, pdf_text

pytestmark = [pytest.mark.django_db, needs_pdftotext]


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    global _on_commit
    _on_commit = django_capture_on_commit_callbacks


def _print(client, kind: str, **data):
    with _on_commit(execute=True):
        return client.post(reverse("reports:report_create", args=[kind]), data, follow=True)


def _text(client, report: Report) -> str:
    response = client.get(reverse("reports:report_download", args=[report.pk]))
    assert response.status_code == 200, report.error
    return pdf_text(b"".join(response.streaming_content))


def test_a_cadre_prints_a_households_card(client_for, cadre, year_data):
    hfile = year_data["f1"]
    MemberFactory(file=hfile, name="李小红")
    client = client_for(cadre, "zh-hans")
    response = _print(client, "hardship_card", pk=hfile.pk)
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == report.get_absolute_url() and report.status == ReportStatus.DONE
    text = _text(client, report)
    for expected in ("困难职工档案", hfile.name, hfile.id_number, "李小红", "医疗救助", "甲一小组"):
        assert expected in text, expected


def test_a_card_out_of_scope_or_made_up_is_refused_with_a_message(client_for, cadre_other_branch, year_data):
    client = client_for(cadre_other_branch)
    for pk in (year_data["f1"].pk, 999999, "x"):
        response = _print(client, "hardship_card", pk=pk)
        assert response.status_code == 200
        assert "Not found, or not yours to see." in response.content.decode() or "Enter a whole number" in (
            response.content.decode()
        )
    assert not Report.objects.exists()


def test_an_unknown_kind_is_a_404(client_for, cadre, year_data):
    assert client_for(cadre).post(reverse("reports:report_create", args=["everything"])).status_code == 404


def test_a_cadres_monthly_roster_lists_the_households_they_visit(client_for, cadre, group_a1, year_data):
    hfile = year_data["f1"]
    HardshipFile.objects.filter(pk=hfile.pk).update(address="幸福路8号", phone="13800000000")
    PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="目标"), user=cadre)
    client = client_for(cadre, "zh-hans")
    _print(client, "visit_roster", unit_id=group_a1.pk, month="2026-03", mine="on")
    report = Report.objects.get()
    text = _text(client, report)
    assert "走访花名册 2026-03" in text and "幸福路8号" in text and "13800000000" in text and hfile.name in text
    # Only the households the cadre is responsible for: the relieved household in group A1 has no helper.
    assert year_data["f2"].name not in text


@pytest.mark.parametrize("month", ["2026-13", "March", "1999-01", ""])
def test_a_roster_for_a_bad_month_is_refused(client_for, cadre, group_a1, year_data, month):
    response = _print(client_for(cadre), "visit_roster", unit_id=group_a1.pk, month=month)
    assert "YYYY-MM" in response.content.decode() or "This field is required" in response.content.decode()
    assert not Report.objects.exists()


def test_a_fund_statement_for_a_period(client_for, branch_chair, year_data):
    client = client_for(branch_chair)
    fund = year_data["fund"]
    _print(client, "fund_statement", pk=fund.pk, start="2025-01-01", end="2025-12-31")
    text = _text(client, Report.objects.get())
    assert "Fund statement" in text and fund.name in text
    for amount in ("5000.00", "1500.00", "3500.00"):
        assert amount in text, amount


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [("2025-12-31", "2025-01-01", "ends before it starts"), ("2025-01-01", "2027-01-01", "between 2000 and today")],
)
def test_a_bad_statement_period_is_refused(client_for, branch_chair, year_data, start, end, message):
    response = _print(client_for(branch_chair), "fund_statement", pk=year_data["fund"].pk, start=start, end=end)
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_an_aid_approval_sheet_shows_the_derivation_and_every_decision(client_for, federation_staff, year_data):
    client = client_for(federation_staff, "zh-hans")
    aid = AidRequest.objects.get()
    _print(client, "aid_sheet", pk=aid.pk)
    text = _text(client, Report.objects.get())
    assert "帮扶审批单" in text and aid.file.name in text and "1500.00" in text
    for action in aid.decisions.values_list("action", flat=True):
        assert {"create": "新建", "submit": "已提交", "approve": "已批准", "pay": "已支付"}[action] in text, action


def test_a_household_moved_to_another_unit_is_not_printed_under_the_old_one(cadre, group_b1, year_data):
    hfile = year_data["f1"]
    with translation.override("en"):
        report, _reused = report_request(user=cadre, kind="hardship_card", unit=hfile.unit, params={"pk": hfile.pk})
    HardshipFile.objects.filter(pk=hfile.pk).update(unit=group_b1)
    assert report_generate(report_id=report.pk) is False
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "another unit" in report.error and not report.file


def test_a_storage_failure_is_retried_then_ends_as_a_visible_failure(settings, tmp_path, cadre, year_data):
    # A real file system that cannot hold the file (its folder would have to be inside a plain file): the
    # storage fails for real, nothing is mocked.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocker / "x")}}
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    hfile = year_data["f1"]
    with translation.override("en"):
        report, _reused = report_request(user=cadre, kind="hardship_card", unit=hfile.unit, params={"pk": hfile.pk})

    with pytest.raises(ReportTransientError):
        report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED and report.error
    assert report_generate(report_id=report.pk, final_attempt=True) is False
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "could not be generated" in report.error
    assert cadre.notifications.filter(kind="reports.failed").count() == 1


def test_the_sweep_takes_up_reports_left_queued_or_running_on_a_dead_worker(cadre, year_data, frozen):
    hfile = year_data["f1"]
    queued, _r = report_request(user=cadre, kind="hardship_card", unit=hfile.unit, params={"pk": hfile.pk})
    stale, _r = report_request(user=cadre, kind="hardship_card", unit=hfile.unit, params={"pk": hfile.pk},
                               regenerate=True)  # fmt: skip
    Report.objects.filter(pk=stale.pk).update(status=ReportStatus.RUNNING, run_token="dead", attempts=1)
    assert reports_sweep() == 0  # too recent to be taken for lost
    frozen.shift(2 * 3600)
    assert reports_sweep() == 2
    assert report_generate(report_id=queued.pk) and report_generate(report_id=stale.pk)
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DONE}


def test_too_many_attempts_end_as_a_failure(cadre, year_data):
    hfile = year_data["f1"]
    with translation.override("en"):
        report, _r = report_request(user=cadre, kind="hardship_card", unit=hfile.unit, params={"pk": hfile.pk})
    Report.objects.filter(pk=report.pk).update(attempts=4)
    assert report_generate(report_id=report.pk) is False
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "Gave up after 4 attempts" in report.error


def test_a_finished_report_is_never_generated_again_by_a_late_message(client_for, cadre, year_data):
    hfile = year_data["f1"]
    _print(client_for(cadre), "hardship_card", pk=hfile.pk)
    report = Report.objects.get()
    assert report_generate(report_id=report.pk) is False
    assert Report.objects.get().file == report.file and Report.objects.get().attempts == 1


def test_the_pages_offer_their_printable_documents(client_for, branch_chair, year_data):
    client = client_for(branch_chair)
    hfile, fund, aid = year_data["f1"], year_data["fund"], AidRequest.objects.get()
    pages = {
        "hardship_card": reverse("cases:file_detail", args=[hfile.pk]),
        "fund_statement": reverse("funds:fund_detail", args=[fund.pk]),
        "aid_sheet": reverse("funds:aid_detail", args=[aid.pk]),
        "visit_roster": reverse("reports:report_list"),
    }
    for kind, url in pages.items():
        assert reverse("reports:report_create", args=[kind]) in client.get(url).content.decode(), kind


def test_the_public_notice_prints_masked_names_and_ids_only(client_for, branch_chair, file_a1, chair_other_branch):
    from cases.notice import mask_id, mask_name
    from tests.cases.notice_helpers import on_notice

    HardshipFile.objects.filter(pk=file_a1.pk).update(name="王秀英")
    entry = on_notice(file_a1)
    client = client_for(branch_chair, "zh-hans")
    assert (
        reverse("reports:report_create", args=["public_notice"])
        in client.get(entry.notice.get_absolute_url()).content.decode()
    )
    _print(client, "public_notice", pk=entry.notice_id)
    text = _text(client, Report.objects.get())
    assert "建档公示" in text and mask_name("王秀英") in text and mask_id(file_a1.id_number) in text
    assert "王秀英" not in text and file_a1.id_number not in text
    # Another branch's chair cannot print it.
    _print(client_for(chair_other_branch), "public_notice", pk=entry.notice_id)
    assert Report.objects.count() == 1
