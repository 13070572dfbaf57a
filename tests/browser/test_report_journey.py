"""Federation staff print the annual summary: preview, ask for the PDF, watch it being made, download it.

The PDF is made by a real Celery worker on Redis (a thread of this process, on a
queue of its own), so the status page really waits and follows the report with
its script until the download appears.
"""

import datetime as dt
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from playwright.sync_api import expect

from reports.models import Report, ReportStatus
from tests.celery_worker import worker_for
from tests.factories import VisitFactory
from tests.reports.conftest import filed
from tests.reports.pdf import needs_pdftotext, pdf_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
    pytest.mark.postgres,
    needs_pdftotext,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
YEAR = dt.date.today().year - 1


@pytest.fixture(autouse=True)
def _reports_in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def report_worker():
    with worker_for("reports.tasks.report_generate_task"):
        yield


def test_federation_staff_generate_wait_for_and_download_the_annual_summary(
    desktop, report_worker, federation_staff, federation, group_a1, group_b1
):
    for unit, day in ((group_a1, f"{YEAR}-02-01"), (group_a1, f"{YEAR - 1}-06-01"), (group_b1, f"{YEAR}-05-01")):
        hfile = filed(unit, day)
        VisitFactory(file=hfile, visited_on=dt.date(YEAR, 6, 3), outcome="improved")

    page = desktop.login("fed")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Annual summary").click()
    page.select_option("#id_unit_id", label="City federation")
    page.fill("#id_year", str(YEAR))
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#table-files")).to_contain_text("All households")
    desktop.screenshot("annual_summary")

    # Hold the worker in the middle of the report (it reads visits) while the status page loads.
    db = connection.settings_dict
    blocker = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE visits_visit IN ACCESS EXCLUSIVE MODE")
        page.get_by_role("button", name="Generate PDF").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Annual summary {YEAR} · City federation")
        expect(page.locator("#report-status-label")).to_have_text("Being generated", timeout=30_000)
        download = page.get_by_role("link", name="Download PDF")
        expect(download).to_be_hidden()
    finally:
        blocker.rollback()
        blocker.close()
    # The page follows the report by itself until it is ready: no reload.
    expect(download).to_be_visible(timeout=60_000)
    expect(page.locator("#report-status-label")).to_have_text("Ready")
    desktop.screenshot("report_status")
    with page.expect_download() as info:
        download.click()
    content = Path(info.value.path()).read_bytes()
    text = pdf_text(content)
    assert f"Annual summary {YEAR}" in text and "City federation" in text and "Branch A" in text
    assert "Page 1 of" in text
    assert Report.objects.get().status == ReportStatus.DONE
