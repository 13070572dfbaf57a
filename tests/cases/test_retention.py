"""Retention: closed files past the period lose what names the household, in the history too; statistics stay."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cases.models import FileEvent, HardshipFile, Investigation, Member
from cases.retention import ANONYMISED, retention_cutoff
from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _closed(unit, years_ago: int, **kwargs) -> HardshipFile:
    closed_on = timezone.localdate() - dt.timedelta(days=365 * years_ago + 10)
    hfile = HardshipFileFactory(
        unit=unit, status=FileStatus.CLOSED, closed_on=closed_on, close_reason="relieved", phone="13812345678",
        address="幸福路1号", employer="第一机械厂", **kwargs,
    )  # fmt: skip
    MemberFactory(file=hfile, name="李小红", id_number="", job="学生", monthly_income=Decimal("300.00"))
    Investigation.objects.create(
        file=hfile,
        investigator="王调查",
        investigated_on=closed_on,
        findings="李小红患病",
        recorded_by=hfile.created_by,
    )
    FileEvent.objects.create(file=hfile, action="close", from_status="filed", to_status="closed",
                             actor=hfile.created_by, comment="张三搬走了")  # fmt: skip
    hfile.name = hfile.name + "改"  # a second history row with the old name
    hfile.save()
    return hfile


def _run(*args) -> str:
    out = StringIO()
    call_command("anonymise_closed_files", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def files(group_a1):
    return {
        "old": _closed(group_a1, 11),
        "recent": _closed(group_a1, 2),
        "open": HardshipFileFactory(unit=group_a1, status=FileStatus.FILED),
    }


def test_old_closed_files_lose_every_name_and_number_in_rows_and_history(files):
    old = files["old"]
    before = HardshipFile.objects.values("tier_id", "household_income", "per_capita_income", "closed_on",
                                         "birth_date", "unit_id", "status").get(pk=old.pk)  # fmt: skip
    causes = list(old.file_causes.values_list("cause_id", "is_primary"))
    assert "Anonymised 1 closed files" in _run("--years", "10")
    old.refresh_from_db()
    assert (old.name, old.id_number, old.phone, old.address, old.employer) == (ANONYMISED, "", "", "", "")
    assert old.birth_date == before["birth_date"].replace(month=1, day=1)
    for field in ("tier_id", "household_income", "per_capita_income", "closed_on", "unit_id", "status"):
        assert getattr(old, field) == before[field], field
    assert list(old.file_causes.values_list("cause_id", "is_primary")) == causes
    member = Member.objects.get(file=old)
    assert (member.name, member.job, member.monthly_income, member.age) == (ANONYMISED, "", Decimal("300.00"), 40)
    history = list(HardshipFile.history.filter(id=old.pk).values("name", "id_number", "phone", "address"))
    assert len(history) >= 2 and all(
        h == {"name": ANONYMISED, "id_number": "", "phone": "", "address": ""} for h in history
    )
    assert set(Member.history.filter(file_id=old.pk).values_list("name", flat=True)) == {ANONYMISED}
    assert Investigation.objects.get(file=old).findings == ANONYMISED
    assert FileEvent.objects.get(file=old, action="close").comment == ANONYMISED


def test_recent_closed_and_open_files_are_left_alone(files):
    _run("--years", "10")
    for key in ("recent", "open"):
        hfile = files[key]
        stored = HardshipFile.objects.get(pk=hfile.pk)
        assert stored.id_number == hfile.id_number and stored.name == hfile.name, key
    assert Member.objects.get(file=files["recent"]).name == "李小红"


def test_dry_run_counts_and_changes_nothing(files):
    assert "Dry run: 1 closed files" in _run("--years", "10", "--dry-run")
    assert "Dry run: 2 closed files" in _run("--years", "1", "--dry-run")
    assert HardshipFile.objects.get(pk=files["old"].pk).id_number == files["old"].id_number
    assert not HardshipFile.objects.filter(id_number="").exists()


def test_a_second_run_finds_nothing_and_the_setting_sets_the_period(files, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "RETENTION_YEARS": 1}
    assert "Anonymised 2 closed files" in _run("--chunk", "1")
    assert "Anonymised 0 closed files" in _run()


def test_bad_options_are_refused(files):
    for args in (("--years", "0"), ("--chunk", "0")):
        with pytest.raises(CommandError):
            _run(*args)
    assert not HardshipFile.objects.filter(id_number="").exists()


def test_an_anonymised_file_still_opens_for_its_chair(files, client_for, branch_chair):
    _run("--years", "10")
    page = client_for(branch_chair).get(files["old"].get_absolute_url())
    assert page.status_code == 200 and "李小红" not in page.content.decode()


def test_the_cutoff_survives_a_leap_day():
    assert retention_cutoff(years=1, today=dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)


def test_visit_notes_and_offline_conflicts_of_an_old_file_go_too(files, cadre):
    """Visits are kept for the statistics (date, kind, outcome) without their notes; an offline conflict's phone
    or address values go, in the history rows as well."""
    from tests.factories import VisitFactory
    from visits.models import OfflineConflict, Visit

    old, recent = files["old"], files["recent"]
    visit = VisitFactory(file=old, notes="李小红住院了")
    kept = VisitFactory(file=recent, notes="一切正常")
    OfflineConflict.objects.create(visit=visit, file=old, fact="phone", base="13800000000", theirs="13811111111",
                                   mine="13822222222", raised_by=cadre)  # fmt: skip
    figures = (visit.visited_on, visit.kind, visit.outcome)
    _run("--years", "10")
    visit.refresh_from_db()
    assert (visit.notes, (visit.visited_on, visit.kind, visit.outcome)) == (ANONYMISED, figures)
    assert set(Visit.history.filter(file_id=old.pk).values_list("notes", flat=True)) == {ANONYMISED}
    conflict = OfflineConflict.objects.get(visit=visit)
    assert (conflict.base, conflict.theirs, conflict.mine) == (ANONYMISED,) * 3
    assert set(OfflineConflict.history.values_list("mine", flat=True)) == {ANONYMISED}
    assert Visit.objects.get(pk=kept.pk).notes == "一切正常"


def test_aid_text_uploads_photos_and_other_notes_of_an_old_file_go_too(
    files, cadre, branch_chair, group_a2, django_capture_on_commit_callbacks
):
    """The aid's amounts stay for the statistics; its text, its uploaded evidence and the visits' photos go
    (the stored files too, once the transaction has committed), and so do transfer, review and objection text."""
    from cases.review_models import AnnualReview
    from cases.transfer.models import FileTransfer
    from funds.models import AidDocument, AidRequest
    from tests.factories import VisitAttachmentFactory
    from tests.funds.helpers import _document_for

    old, recent = files["old"], files["recent"]
    closed = HardshipFile.objects.filter(pk=old.pk).values("status", "closed_on").get()
    HardshipFile.objects.filter(pk=old.pk).update(created_by=cadre)  # the cadre asks for the aid
    old.refresh_from_db()
    document = _document_for(old)  # files the household to ask for aid; closed again below
    aid = document.request
    AidRequest.objects.filter(pk=aid.pk).update(justification="李小红住院", occasion="李小红手术")
    HardshipFile.objects.filter(pk=old.pk).update(**closed)
    photo, kept_photo = VisitAttachmentFactory(visit__file=old), VisitAttachmentFactory(visit__file=recent)
    stored = [document.file.storage, document.file.name, photo.file.name]
    assert stored[0].exists(stored[1]) and stored[0].exists(stored[2])
    transfer = FileTransfer.objects.create(file=old, from_unit=old.unit, to_unit=group_a2, status="cancelled",
                                           reason="张三搬家", handover="李小红的医院",
                                           requested_by=branch_chair, decided_by=branch_chair,
                                           decided_at=timezone.now())  # fmt: skip
    review = AnnualReview.objects.create(file=old, due_on=closed["closed_on"], reviewed_on=closed["closed_on"],
                                         outcome="keep", note="张三仍然困难", reviewed_by=branch_chair)  # fmt: skip
    amount = aid.requested_amount
    with django_capture_on_commit_callbacks(execute=True):
        _run("--years", "10")
    aid.refresh_from_db()
    assert (aid.justification, aid.occasion, aid.requested_amount) == (ANONYMISED, ANONYMISED, amount)
    assert not AidDocument.objects.filter(request=aid, on_paper=False).exists()
    assert set(AidDocument.objects.filter(request=aid).values_list("original_name", flat=True)) <= {""}
    assert not stored[0].exists(stored[1]) and not stored[0].exists(stored[2])
    assert not type(photo).objects.filter(pk=photo.pk).exists()
    assert type(photo).objects.filter(pk=kept_photo.pk).exists() and stored[0].exists(kept_photo.file.name)
    transfer.refresh_from_db()
    review.refresh_from_db()
    assert (transfer.reason, transfer.handover, transfer.decision_note) == (ANONYMISED, ANONYMISED, "")
    assert review.note == ANONYMISED


def test_a_printed_card_of_an_old_file_loses_the_name_in_its_title_and_its_pdf(
    files, cadre, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from reports.kinds.documents import card_title
    from reports.models import Report, ReportStatus

    def card(hfile):
        report = Report(kind="hardship_card", params={"pk": hfile.pk}, unit=hfile.unit, language="zh-hans",
                        key=f"k{hfile.pk}", title=card_title(hfile.unit, {"pk": hfile.pk}), requested_by=cadre,
                        status=ReportStatus.DONE, finished_at=timezone.now())  # fmt: skip
        report.file.save(f"card-{hfile.pk}.pdf", ContentFile(b"%PDF-1.4 " + hfile.name.encode()))
        return report

    old_card, recent_card = card(files["old"]), card(files["recent"])
    storage, name = old_card.file.storage, old_card.file.name
    with django_capture_on_commit_callbacks(execute=True):
        _run("--years", "10")
    old_card.refresh_from_db()
    assert files["old"].name not in old_card.title and ANONYMISED in old_card.title
    assert (old_card.file.name, old_card.status) == ("", ReportStatus.EXPIRED)
    assert not storage.exists(name)
    recent_card.refresh_from_db()
    assert files["recent"].name in recent_card.title and storage.exists(recent_card.file.name)
