"""Recording a visit: what is saved, and every bad input refused with a clear message and nothing saved."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.workflow import FileStatus
from tests.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, HardshipFileFactory
from visits.models import FlagReason, MonitoringFlag, Outcome, OutcomeReason, Visit, VisitAttachment, VisitKind
from visits.services import visit_record

pytestmark = pytest.mark.django_db
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def data(**overrides) -> dict:
    values = {
        "visited_on": dt.date(2026, 3, 12),
        "kind": VisitKind.MONTHLY,
        "met": "本人及配偶",
        "knows_name": True,
        "knows_address": True,
        "outcome": Outcome.NO_CHANGE,
        "notes": "",
        "condolence_money": Decimal("0.00"),
        "goods": "",
    }
    values.update(overrides)
    return values


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def record(hfile, by, visitors=None, attachments=(), **overrides) -> Visit:
    return visit_record(
        file=hfile, by=by, data=data(**overrides), visitors=visitors or [by], attachments=list(attachments)
    )


def assert_nothing_saved() -> None:
    assert not Visit.objects.exists()
    assert not VisitAttachment.objects.exists()
    assert not MonitoringFlag.objects.exists()


def messages_of(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


class TestRecord:
    def test_cadre_records_a_visit_with_a_photo_and_a_pdf(self, filed, cadre, branch_chair):
        visit = record(
            filed,
            cadre,
            visitors=[cadre, branch_chair],
            attachments=[upload(JPEG_BYTES), upload(PDF_BYTES, "report.pdf", "application/pdf")],
            condolence_money=Decimal("500.00"),
            goods="米、油",
        )
        assert visit.recorded_by == cadre and set(visit.visitors.all()) == {cadre, branch_chair}
        assert visit.history.first().history_user == cadre
        photo, pdf = visit.attachments.all()
        assert (photo.content_type, pdf.content_type) == ("image/jpeg", "application/pdf")
        assert "photo" not in photo.file.name and photo.file.name.endswith(".jpg")
        assert default_storage.exists(photo.file.name) and photo.original_name == "photo.jpg"

    def test_a_png_sent_as_octet_stream_is_still_a_png(self, filed, cadre):
        visit = record(filed, cadre, attachments=[upload(PNG_BYTES, "IMG_0001", "application/octet-stream")])
        assert visit.attachments.get().content_type == "image/png"

    def test_a_relieved_household_gets_its_check_in(self, filed, cadre):
        filed.status = FileStatus.RELIEVED
        filed.save()
        assert record(filed, cadre).pk

    def test_a_holiday_visit_in_a_month_with_a_monthly_visit_is_fine(self, filed, cadre):
        record(filed, cadre)
        assert record(filed, cadre, kind=VisitKind.HOLIDAY).pk

    def test_second_monthly_visit_allowed_when_the_rules_allow_it(self, filed, cadre, settings):
        settings.HARDSHIP = {**settings.HARDSHIP, "VISIT_ONE_MONTHLY_PER_MONTH": False}
        record(filed, cadre)
        assert record(filed, cadre, visited_on=dt.date(2026, 3, 14)).pk


class TestBadInput:
    def test_future_date(self, filed, cadre):
        with pytest.raises(ValidationError, match="future"):
            record(filed, cadre, visited_on=dt.date(2026, 3, 17))
        assert_nothing_saved()

    def test_before_the_file_was_opened(self, filed, cadre):
        with pytest.raises(ValidationError) as exc:
            record(filed, cadre, visited_on=dt.date(2026, 1, 9))
        assert "before the file was opened (2026-01-10)" in messages_of(exc)
        assert_nothing_saved()

    def test_closed_file(self, filed, cadre):
        filed.status = FileStatus.CLOSED
        filed.save()
        with pytest.raises(ValidationError, match="closed"):
            record(filed, cadre)
        assert_nothing_saved()

    def test_draft_file(self, frozen, file_a1, cadre):
        with pytest.raises(ValidationError, match="once the household is filed"):
            record(file_a1, cadre, visited_on=dt.date(2026, 3, 16))
        assert_nothing_saved()

    def test_attachment_too_large(self, filed, cadre, settings):
        settings.HARDSHIP = {**settings.HARDSHIP, "VISIT_ATTACHMENT_MAX_BYTES": 1024}
        with pytest.raises(ValidationError, match="larger than 1.0"):
            record(filed, cadre, attachments=[upload(JPEG_BYTES + b"\x00" * 2000)])
        assert_nothing_saved()

    def test_exe_renamed_jpg(self, filed, cadre):
        with pytest.raises(ValidationError, match="not a photo"):
            record(filed, cadre, attachments=[upload(JPEG_BYTES), upload(EXE_BYTES, "photo2.jpg")])
        assert_nothing_saved()

    def test_visitor_out_of_scope(self, filed, cadre, cadre_other_branch):
        with pytest.raises(ValidationError, match="not in your units"):
            record(filed, cadre, visitors=[cadre, cadre_other_branch])
        assert_nothing_saved()

    def test_second_monthly_visit_in_the_month(self, filed, cadre):
        record(filed, cadre, visited_on=dt.date(2026, 3, 2))
        with pytest.raises(ValidationError, match="already has a monthly visit in 2026-03"):
            record(filed, cadre, attachments=[upload(JPEG_BYTES)])
        assert Visit.objects.count() == 1 and not VisitAttachment.objects.exists()

    def test_reason_that_does_not_fit_the_outcome(self, filed, cadre):
        found_work = OutcomeReason.objects.get(code="found-work")
        with pytest.raises(ValidationError, match="does not fit"):
            record(filed, cadre, outcome=Outcome.DECLINED, reason=found_work)
        assert_nothing_saved()

    def test_out_of_scope_recorder(self, filed, cadre_other_branch):
        with pytest.raises(PermissionDenied):
            record(filed, cadre_other_branch)
        assert_nothing_saved()

    def test_federation_staff_read_but_do_not_record(self, filed, federation_staff):
        with pytest.raises(PermissionDenied):
            record(filed, federation_staff)
        assert_nothing_saved()


class TestMonitoring:
    def test_clear_decline_flags_the_file_once(self, filed, cadre):
        reason = OutcomeReason.objects.get(code="illness-worsened")
        first = record(filed, cadre, outcome=Outcome.DECLINED, reason=reason, kind=VisitKind.MONITORING)
        record(filed, cadre, outcome=Outcome.DECLINED, kind=VisitKind.MONITORING)
        flag = MonitoringFlag.objects.get()
        assert (flag.reason, flag.visit, flag.file) == (FlagReason.DECLINE, first, filed)
        assert flag.visit.reason == reason

    def test_three_improvements_in_a_row_make_a_relief_candidate(self, filed, cadre):
        for day, kind in ((2, VisitKind.MONITORING), (5, VisitKind.MONITORING)):
            record(filed, cadre, outcome=Outcome.IMPROVED, kind=kind, visited_on=dt.date(2026, 3, day))
        assert not MonitoringFlag.objects.exists()
        record(filed, cadre, outcome=Outcome.IMPROVED, visited_on=dt.date(2026, 3, 9))
        assert MonitoringFlag.objects.get().reason == FlagReason.RELIEF_CANDIDATE

    def test_a_no_change_visit_breaks_the_run(self, filed, cadre, settings):
        settings.HARDSHIP = {**settings.HARDSHIP, "RELIEF_CANDIDATE_AFTER_IMPROVEMENTS": 2}
        record(filed, cadre, outcome=Outcome.IMPROVED, kind=VisitKind.MONITORING, visited_on=dt.date(2026, 3, 1))
        record(filed, cadre, outcome=Outcome.NO_CHANGE, visited_on=dt.date(2026, 3, 5))
        assert not MonitoringFlag.objects.exists()

    def test_new_accident_cause_on_a_filed_file_flags_it(self, frozen, group_a1):
        from cases.models import Cause, FileCause

        hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED)
        FileCause.objects.create(file=hfile, cause=Cause.objects.get(code="accident"))
        assert MonitoringFlag.objects.get().reason == FlagReason.NEW_CAUSE

    def test_causes_of_a_draft_do_not_flag(self, frozen, group_a1):
        from cases.models import Cause

        HardshipFileFactory(unit=group_a1, cause=Cause.objects.get(code="accident"))
        assert not MonitoringFlag.objects.exists()
