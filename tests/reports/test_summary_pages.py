"""The annual summary page: the figures, finalising and corrections, the drill-down, constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.workflow import FileStatus
from reports.annual import annual_figures
from reports.models import SummarySnapshot
from tests.factories import HardshipFileFactory, VisitFactory

from .conftest import filed

pytestmark = pytest.mark.django_db
SUMMARY = reverse("reports:annual_summary")


def test_the_preview_shows_each_figure_beside_the_previous_year(client_for, federation_staff, federation, year_data):
    response = client_for(federation_staff).get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    assert response.status_code == 200
    html = response.content.decode()
    assert "a relief rate of 25.0% (target 30%; previous year 0.0%)" in html and "Target not met." in html
    assert "¥1500.00" in html and "甲一帮扶资金" in html
    tables = {t.key: t for t in response.context["file_tables"]}
    assert [(c.cur, c.prev) for c in tables["files"].total.cells] == [(2, 1), (2, 1), (1, 0), (1, 0), (2, 2)]
    assert "<svg" in html and "<script>" not in html


def test_every_household_figure_drills_down_to_the_households_behind_it(
    client_for, federation_staff, federation, year_data
):
    client = client_for(federation_staff)
    response = client.get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    for table in response.context["file_tables"]:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for cell in row.cells:
                listed = client.get(cell.url).context["page"].items
                assert len(listed) == cell.cur, (table.key, row.name, cell.url)
    relieved = client.get(response.context["file_tables"][0].total.cells[2].url).context["page"].items
    assert [f.pk for f in relieved] == [year_data["f2"].pk]


def test_the_drill_down_is_scoped(client_for, chair_other_branch, cadre, federation, branch_a, year_data):
    url = reverse("reports:annual_files")
    # Another branch's chair: the federation is not among their units.
    response = client_for(chair_other_branch).get(url, {"unit": federation.pk, "year": 2025, "metric": "at_end"})
    assert response.context["page"] is None and "Choose one of your units" in response.content.decode()
    # A cadre of group A1 sees only their own households behind a branch figure.
    response = client_for(cadre).get(url, {"unit": branch_a.pk, "year": 2025, "metric": "at_start"})
    assert response.status_code == 200
    items = response.context["page"] and response.context["page"].items
    assert not items or all(f.unit_id == year_data["f1"].unit_id for f in items)


@pytest.mark.parametrize(
    "params",
    [
        {"unit": "x", "year": 2025, "metric": "at_end"},
        {"year": 2025, "metric": "at_end"},
        {"unit": 1, "year": 3000, "metric": "at_end"},
        {"unit": 1, "year": 2025, "metric": "drop table"},
    ],
)
def test_a_tampered_drill_down_link_says_so(client_for, federation_staff, federation, year_data, params):
    params = {**params, "unit": federation.pk if params.get("unit") == 1 else params.get("unit", "")}
    response = client_for(federation_staff).get(reverse("reports:annual_files"), params)
    assert response.status_code == 200 and response.context["page"] is None
    assert "does not name a figure" in response.content.decode()


def test_a_finalised_year_keeps_its_figures_and_lists_later_corrections(
    client_for, federation_staff, federation, group_b1, year_data, frozen
):
    client = client_for(federation_staff)
    response = client.post(reverse("reports:annual_summary_finalise"), {"unit_id": federation.pk, "year": 2025})
    assert response.status_code == 302
    snapshot = SummarySnapshot.objects.get(unit=federation, year=2025)
    # A household filed in 2025 is recorded late, after finalising.
    filed(group_b1, "2025-09-01")
    page = client.get(SUMMARY, {"unit_id": federation.pk, "year": 2025})
    assert page.context["figures"] == snapshot.figures
    assert [(c.cur, c.prev) for c in page.context["file_tables"][0].total.cells][1] == (2, 1)
    corrections = page.context["corrections"]
    assert {"label": "Households on file · All households · Newly filed", "finalised": 2, "now": 3} in corrections
    assert "Corrections after finalising" in page.content.decode()
    # Finalising twice is refused with a message; nothing changes.
    again = client.post(
        reverse("reports:annual_summary_finalise"), {"unit_id": federation.pk, "year": 2025}, follow=True
    )
    assert "already finalised" in again.content.decode()
    assert SummarySnapshot.objects.count() == 1


def test_the_current_year_cannot_be_finalised(client_for, federation_staff, federation, year_data, frozen):
    response = client_for(federation_staff).post(
        reverse("reports:annual_summary_finalise"), {"unit_id": federation.pk, "year": 2026}, follow=True
    )
    assert "only once it is over" in response.content.decode()
    assert not SummarySnapshot.objects.exists()


def test_a_branch_chair_may_not_finalise_the_federation(client_for, branch_chair, federation, year_data, frozen):
    response = client_for(branch_chair).post(
        reverse("reports:annual_summary_finalise"), {"unit_id": federation.pk, "year": 2025}, follow=True
    )
    assert "Choose one of your units" in response.content.decode()
    assert not SummarySnapshot.objects.exists()


def _queries(unit) -> int:
    with CaptureQueriesContext(connection) as captured:
        annual_figures(unit=unit, year=2025)
    return len(captured)


def test_the_figures_cost_the_same_queries_for_more_households(federation, group_a1, group_b1, year_data, frozen):
    _queries(federation)  # the configuration lists (tiers, causes, frequencies) are cached from here on
    before = _queries(federation)
    assert before <= 16
    for i in range(30):
        hfile = HardshipFileFactory(unit=group_a1 if i % 2 else group_b1, status=FileStatus.FILED,
                                    filed_on=dt.date(2025, 1 + i % 12, 1))  # fmt: skip
        VisitFactory(file=hfile, visited_on=dt.date(2025, 1 + i % 12, 15), outcome="improved")
    assert _queries(federation) == before


def test_the_report_list_and_the_drill_down_cost_a_fixed_number_of_queries(
    client_for, federation_staff, federation, year_data, django_assert_max_num_queries
):
    from reports.models import Report

    for i in range(30):
        Report.objects.create(kind="annual_summary", unit=federation, params={"year": 2025}, language="en",
                              key=f"k{i}", title=f"Report {i}", requested_by=federation_staff)  # fmt: skip
    client = client_for(federation_staff)
    client.get(reverse("reports:report_list"))  # warm the cached scope and configuration
    with django_assert_max_num_queries(8):
        assert len(client.get(reverse("reports:report_list")).context["page"].items) == 25
    with django_assert_max_num_queries(10):
        client.get(reverse("reports:annual_files"), {"unit": federation.pk, "year": 2025, "metric": "at_end"})
