"""Importing hardship files: the dry run lists every row's errors, nothing is saved until a clean run is
confirmed, the confirmation checks again, and the households go through the card's own forms and service."""

import io
import zipfile

import pytest
from django.test import override_settings
from django.urls import reverse

from cases.models import FileEvent, HardshipFile
from cases.workflow import FileStatus
from sheets.models import ImportJob, ImportStatus
from tests.factories import HardshipFileFactory, new_resident_id

from .helpers import csv_rows, csv_upload, xlsx_rows, xlsx_upload

pytestmark = pytest.mark.django_db

START = reverse("sheets:import_start")
HEADER = [
    "Unit",
    "Household (worker's ID number)",
    "Relation to the worker",
    "Name",
    "ID number",
    "Age",
    "Monthly income",
    "Tier",
    "Causes of difficulty",
]
HEADER_ZH = ["单位", "户", "与职工关系", "姓名", "身份证号"]


def household(unit, name="王一", members=1, worker_id=None) -> list[list]:
    worker_id = worker_id or new_resident_id()
    rows = [[unit.name_zh, "", "Worker", name, worker_id, "", "1200", "相对困难", "Serious illness, 收入低"]]
    rows += [[unit.name_zh, worker_id, "Spouse", f"{name}家属{i}", "", 40 + i, "300", "", ""] for i in range(members)]
    return rows


def upload(client, rows, maker=xlsx_upload, **kwargs):
    return client.post(START, {"file": maker(rows, **kwargs)})


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_a_clean_sheet_is_checked_then_imported_on_confirmation(client_for, cadre, group_a1):
    client = client_for(cadre)
    rows = [HEADER, *household(group_a1, "王一"), *household(group_a1, "李二", members=2)]

    job = job_of(upload(client, rows))

    assert job.status == ImportStatus.CHECKED
    assert (job.created_count, job.updated_count, job.errors) == (2, 0, [])
    assert not HardshipFile.objects.exists()  # the dry run saved nothing
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Import now" in page

    client.post(reverse("sheets:import_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.content == b""
    files = {f.name: f for f in HardshipFile.objects.all()}
    assert set(files) == {"王一", "李二"}
    li = files["李二"]
    assert (li.unit, li.status, li.created_by, li.members.count()) == (group_a1, FileStatus.DRAFT, cadre, 2)
    assert li.household_size == 3 and str(li.household_income) == "1800.00"
    assert sorted(str(c) for c in li.causes.all()) == ["Low income", "Serious illness"]
    assert li.primary_cause.code == "illness"
    assert FileEvent.objects.filter(file=li, action="create", actor=cadre).exists()
    assert li.history.first().history_user == cadre


def test_every_bad_row_is_listed_and_nothing_is_saved(client_for, cadre, group_a1, group_b1):
    client = client_for(cadre)
    good = household(group_a1, "王好")
    bad_id = household(group_a1, "李坏", worker_id="110101199001011230", members=0)
    bad_tier = household(group_a1, "张坏", members=0)
    bad_tier[0][7] = "No such tier"
    bad_cause = household(group_a1, "刘坏", members=0)
    bad_cause[0][8] = "Bad luck"
    other_unit = household(group_b1, "陈外", members=0)
    twice = household(group_a1, "周重", members=0)
    rows = [HEADER, *good, *bad_id, *bad_tier, *bad_cause, *other_unit, *twice, twice[0]]

    job = job_of(upload(client, rows))

    assert job.status == ImportStatus.INVALID
    by_row = {(e["row"], e["column"]) for e in job.errors}
    assert (4, "ID number") in by_row
    assert (5, "Tier") in by_row
    assert (6, "Causes of difficulty") in by_row
    assert (7, "Unit") in by_row
    assert (9, "ID number") in by_row  # the same worker twice in the sheet
    assert "already on row 8" in " ".join(e["message"] for e in job.errors)
    assert not HardshipFile.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "nothing was saved" in page and "Import now" not in page
    assert client.post(reverse("sheets:import_confirm", args=[job.pk])).status_code == 302
    assert not HardshipFile.objects.exists()


def test_an_open_file_elsewhere_in_the_federation_is_a_duplicate(client_for, cadre, group_b1, group_a1):
    elsewhere = HardshipFileFactory(unit=group_b1)
    rows = [HEADER, *household(group_a1, "王一", worker_id=elsewhere.id_number, members=0)]

    job = job_of(upload(client_for(cadre), rows))

    assert job.status == ImportStatus.INVALID
    assert "another unit of the federation" in job.errors[0]["message"]


def test_an_open_file_in_scope_is_updated_and_its_members_matched_by_id(client_for, cadre, group_a1):
    from cases.models import Cause
    from cases.services import MemberData, file_save

    spouse_id = new_resident_id()
    hfile = file_save(
        by=cadre,
        unit=group_a1,
        data={"name": "王旧", "id_number": new_resident_id(), "worker_income": 1000, "other_income": 0},
        causes=[Cause.objects.get(code="illness")],
        primary_cause=Cause.objects.get(code="illness"),
        members=[
            MemberData(
                fields={
                    "relation": "spouse",
                    "name": "配偶",
                    "id_number": spouse_id,
                    "monthly_income": 100,
                    "health": "healthy",
                    "schooling": "none",
                    "job": "",
                }
            )
        ],
    )
    rows = [
        HEADER,
        [group_a1.name_zh, "", "Worker", "王新", hfile.id_number, "", "900", "", "Low income"],
        [group_a1.name_zh, hfile.id_number, "Spouse", "配偶", spouse_id, "", "200", "", ""],
    ]
    client = client_for(cadre)

    job = job_of(upload(client, rows))
    assert (job.status, job.created_count, job.updated_count) == (ImportStatus.CHECKED, 0, 1)
    client.post(reverse("sheets:import_confirm", args=[job.pk]))

    hfile.refresh_from_db()
    assert hfile.name == "王新" and str(hfile.worker_income) == "900.00"
    assert [(m.name, str(m.monthly_income)) for m in hfile.members.all()] == [("配偶", "200.00")]


def test_the_confirmation_checks_again_and_saves_nothing_when_something_changed(client_for, cadre, group_a1, group_b1):
    rows = [HEADER, *household(group_a1, "王一", members=0), *household(group_a1, "李二", members=0)]
    client = client_for(cadre)
    job = job_of(upload(client, rows))
    assert job.status == ImportStatus.CHECKED
    # Meanwhile another unit filed the second household.
    HardshipFileFactory(unit=group_b1, id_number=rows[2][4])

    client.post(reverse("sheets:import_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    assert HardshipFile.objects.filter(unit=group_a1).count() == 0  # not even the first household


def test_headers_in_chinese_and_csv_in_gb18030_are_read(client_for, cadre, group_a1):
    worker = new_resident_id()
    rows = [
        ["单位", "所属户（职工身份证号）", "与职工关系", "姓名", "身份证号", "月收入", "致困原因"],
        [group_a1.name_zh, "", "本人", "王一", worker, "1000", "大病"],
    ]
    client = client_for(cadre)

    from sheets.columns import header_index

    chinese = {k for k in header_index()}  # the Chinese labels come from the catalogue
    rows[0] = [
        next((h for h in chinese if header_index()[h] == key), key)
        for key in ["unit", "household", "relation", "name", "id_number", "monthly_income", "causes"]
    ]
    job = job_of(upload(client, rows, maker=csv_upload, encoding="gb18030"))

    assert job.status == ImportStatus.CHECKED, job.errors


@pytest.mark.parametrize(
    "content,name,message",
    [
        (b"%PDF-1.4 not a spreadsheet", "files.xlsx", "not an Excel workbook"),
        (b"PK\x03\x04 broken zip", "files.xlsx", "not an Excel workbook"),
        (b"\x00\x01\x02binary", "files.csv", "not a CSV text file"),
        (b"anything", "files.xls", "Old Excel files"),
        (b"anything", "files.pdf", "Upload an Excel workbook"),
        (b"", "files.csv", "empty"),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_message(client_for, cadre, content, name, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(cadre).post(START, {"file": SimpleUploadedFile(name, content)})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_zip_that_is_not_a_workbook_is_refused(client_for, cadre):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    response = client_for(cadre).post(START, {"file": SimpleUploadedFile("files.xlsx", out.getvalue())})

    assert "not an Excel workbook" in response.content.decode()


def test_wrong_and_missing_columns_are_named(client_for, cadre, group_a1):
    rows = [["Unit", "Name", "Shoe size"], [group_a1.name_zh, "王一", "42"]]

    job = job_of(upload(client_for(cadre), rows))

    text = " ".join(e["message"] for e in job.errors)
    assert "Shoe size" in text and "Relation to the worker" in text and "ID number" in text
    assert job.status == ImportStatus.INVALID


def test_wrong_types_are_reported_per_cell(client_for, cadre, group_a1):
    import datetime as dt

    rows = [HEADER, *household(group_a1, members=1)]
    rows[1][4] = 110101199003074512  # an ID typed as a number
    rows[1][6] = "a lot"  # income not a number
    rows[2][5] = dt.date(2020, 1, 1)  # a date as an age

    job = job_of(upload(client_for(cadre), rows))

    columns = {(e["row"], e["column"]) for e in job.errors}
    assert (2, "ID number") in columns and (3, "Age") in columns
    assert "stored as a number" in " ".join(e["message"] for e in job.errors)
    assert job.status == ImportStatus.INVALID


def test_formulas_are_refused_never_run(client_for, cadre, group_a1):
    rows = [HEADER, *household(group_a1, members=0)]
    rows[1][6] = "=1000+200"

    job = job_of(upload(client_for(cadre), rows))

    assert job.status == ImportStatus.INVALID
    assert any("G2" in e["message"] and "formula" in e["message"] for e in job.errors)


def test_more_rows_than_the_limit_are_refused_before_anything_is_stored(client_for, cadre, group_a1):
    rows = [HEADER] + [[group_a1.name_zh, "", "Worker", "王", "x"]] * 100_000

    response = upload(client_for(cadre), rows, maker=csv_upload)

    assert "more than 20000 rows" in response.content.decode()
    assert not ImportJob.objects.exists()


@override_settings(HARDSHIP={**__import__("django.conf").conf.settings.HARDSHIP, "IMPORT_MAX_BYTES": 1000})
def test_a_file_over_the_size_limit_is_refused(client_for, cadre, group_a1):
    rows = [HEADER] + [[group_a1.name_zh, "", "Worker", "王" * 50, "x"]] * 100

    response = upload(client_for(cadre), rows, maker=csv_upload)

    assert "the most accepted is 0.0 MB" in response.content.decode() or "MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_only_users_who_may_open_files_import_and_only_their_own_uploads_are_seen(
    client_for, cadre, cadre_a2, federation_staff, group_a1
):
    assert client_for(federation_staff).get(START).status_code == 403
    assert client_for(federation_staff).get(reverse("sheets:import_template"), {"format": "csv"}).status_code == 403
    job = job_of(upload(client_for(cadre), [HEADER, *household(group_a1, members=0)]))
    other = client_for(cadre_a2)
    for name in ("sheets:import_detail", "sheets:import_status"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert other.post(reverse("sheets:import_confirm", args=[job.pk])).status_code == 404


def test_a_cadre_cannot_import_into_a_sibling_group(client_for, cadre_a2, group_a1):
    job = job_of(upload(client_for(cadre_a2), [HEADER, *household(group_a1, members=0)]))

    assert job.status == ImportStatus.INVALID
    assert job.errors[0]["column"] == "Unit"


def test_the_template_comes_in_the_users_language_and_is_accepted_back(client_for, cadre, group_a1):
    client = client_for(cadre)
    header = xlsx_rows(client.get(reverse("sheets:import_template"), {"format": "xlsx"}))[0]
    help_rows = xlsx_rows(client.get(reverse("sheets:import_template"), {"format": "xlsx"}), sheet=1)
    assert header[:4] == ["Unit", "Household (worker's ID number)", "Relation to the worker", "Name"]
    assert any(group_a1.name_en in str(r[2]) for r in help_rows)
    csv_header = csv_rows(client.get(reverse("sheets:import_template"), {"format": "csv"}))[0]
    assert csv_header == header

    worker = new_resident_id()
    row = {h: "" for h in header}
    row.update(
        {
            "Unit": str(group_a1.pk),
            "Relation to the worker": "Worker",
            "Name": "王一",
            "ID number": worker,
            "Causes of difficulty": "illness",
        }
    )
    job = job_of(upload(client, [header, [row[h] for h in header]]))
    assert job.status == ImportStatus.CHECKED, job.errors


@override_settings(HARDSHIP={**__import__("django.conf").conf.settings.HARDSHIP, "IMPORT_ASYNC_ROWS": 3})
def test_a_large_file_runs_as_a_task_and_reports_progress(
    client_for, cadre, group_a1, django_capture_on_commit_callbacks
):
    client = client_for(cadre)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        job = job_of(upload(client, [HEADER, *household(group_a1, members=2)]))
    assert len(queued) == 1
    job.refresh_from_db()
    # Tasks run in-process in tests (CELERY_TASK_ALWAYS_EAGER); tests/sheets/test_worker.py uses a real worker.
    assert job.status == ImportStatus.CHECKED
    state = client.get(reverse("sheets:import_status", args=[job.pk])).json()
    assert state == {"status": "checked", "label": "Checked: ready to import", "progress": 100, "finished": True}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sheets:import_confirm", args=[job.pk]))
    assert HardshipFile.objects.count() == 1


@override_settings(HARDSHIP={**__import__("django.conf").conf.settings.HARDSHIP, "IMPORT_MAX_BYTES": 2000})
def test_a_workbook_that_inflates_far_past_its_size_is_refused_unopened(client_for, cadre):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "0" * 200_000)
    assert len(out.getvalue()) < 2000

    response = client_for(cadre).post(START, {"file": SimpleUploadedFile("files.xlsx", out.getvalue())})

    assert "far larger once unpacked" in response.content.decode()
    assert not ImportJob.objects.exists()
