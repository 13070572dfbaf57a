"""A cadre imports a 50-row spreadsheet with three bad rows, sees them, fixes them, imports, then exports
the filtered list. The upload goes to a real Celery worker on Redis (a thread of this process, on a queue
of its own), so the page really follows the check and the import until they end."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from cases.models import HardshipFile
from tests.celery_worker import worker_for
from tests.factories import new_resident_id

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
HEADER = ["Unit", "Household (worker's ID number)", "Relation to the worker", "Name", "ID number", "Age",
          "Monthly income", "Tier", "Causes of difficulty"]  # fmt: skip


@pytest.fixture
def import_worker(settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "IMPORT_ASYNC_ROWS": 10}
    with worker_for("sheets.tasks.import_run_task"):
        yield


def _rows(unit, *, broken: bool) -> list[list]:
    """25 households of a worker and a spouse: 50 rows; broken, three of them are wrong."""
    rows = []
    for i in range(25):
        worker = new_resident_id()
        rows.append(
            [unit.name_en, "", "Worker", f"Import {i:02d}", worker, "", "1500", "Relative hardship", "Low income"]
        )
        rows.append([unit.name_en, worker, "Spouse", f"Spouse {i:02d}", "", 40, "300", "", ""])
    if broken:
        rows[4][4] = rows[5][1] = "110101199001011230"  # row 6: a wrong check character (and its spouse's row)
        rows[11][2] = "Neighbour"  # row 13: not a relation
        rows[20][7] = "Very poor"  # row 22: not a tier
    return rows


def _xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    book.save(path)
    return path


def test_cadre_imports_a_sheet_after_fixing_three_rows_then_exports_the_filtered_list(
    desktop, import_worker, cadre, group_a1, tmp_path
):
    rows = _rows(group_a1, broken=True)
    page = desktop.login("cadre")
    desktop.menu("Households", "Files")
    page.get_by_role("link", name="Import", exact=True).click()
    page.set_input_files("#id_file", str(_xlsx(tmp_path / "households.xlsx", rows)))
    page.get_by_role("button", name="Check the file").click()

    expect(page.locator("#import-invalid")).to_be_visible(timeout=60_000)  # the page followed the worker
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(page.locator("#import-errors")).to_contain_text("Neighbour")
    assert [errors.nth(i).locator("td").first.inner_text() for i in range(3)] == ["6", "13", "22"]
    desktop.screenshot("import_errors")
    assert not HardshipFile.objects.exists()

    fixed = _rows(group_a1, broken=False)
    page.get_by_role("link", name="Upload again").click()
    page.set_input_files("#id_file", str(_xlsx(tmp_path / "households-fixed.xlsx", fixed)))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#import-checked")).to_contain_text("create 25 files", timeout=60_000)
    assert not HardshipFile.objects.exists()
    page.get_by_role("button", name="Import now").click()
    expect(page.locator("#import-done")).to_contain_text("25 files created", timeout=60_000)
    assert HardshipFile.objects.filter(unit=group_a1, created_by=cadre).count() == 25

    page.get_by_role("link", name="See the files").click()
    page.fill("#id_q", "Import 1")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.table-files tbody tr")).to_have_count(10)
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    exported = list(csv.reader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"))))
    assert sorted(r[2] for r in exported[1:]) == [f"Import {i}" for i in range(10, 20)]
    assert info.value.suggested_filename == "hardship-files.csv"
