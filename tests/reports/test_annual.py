"""The annual summary's figures: each one checked against households, visits, aid and money made by hand."""

import pytest

from reports.annual import annual_figures

pytestmark = pytest.mark.django_db


def test_household_figures_for_the_year_and_the_previous(year_data, federation, frozen):
    figures = annual_figures(unit=federation, year=2025)
    total = figures["files"]["total"]
    assert total["cur"] == {"at_start": 2, "filed": 2, "relieved": 1, "closed": 1, "at_end": 2, "relief_rate": "25.0"}
    assert total["prev"] == {"at_start": 1, "filed": 1, "relieved": 0, "closed": 0, "at_end": 2, "relief_rate": "0.0"}
