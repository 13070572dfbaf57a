"""The import's queries per household stay fixed whatever the sheet's size: what every household shares
(units, tiers, causes, the living standard of a unit's locality this year, the open files of the sheet's
ID numbers) is looked up once per import, and each household costs the same few queries of its forms and
`file_save`."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import HardshipFile, LivingStandard
from org.models import Locality
from sheets.importer import run_import
from sheets.reader import read_sheet

from .helpers import xlsx_upload
from .test_import import HEADER, household

pytestmark = pytest.mark.django_db

# Statements (savepoints included) for a household of a worker, one member and two causes: the forms'
# checks, the service's duplicate check, the inserts with their history rows, the income and the tier.
PER_HOUSEHOLD = 30


@pytest.fixture
def standard(federation):
    city = Locality.objects.create(code="630100", name_zh="西宁市", name_en="Xining")
    federation.locality = city
    federation.save()
    return LivingStandard.objects.create(locality=city, year=timezone.localdate().year, monthly_amount=Decimal("800"))


def imported(user, unit, households: int) -> list[dict]:
    rows = [HEADER]
    for i in range(households):
        rows += household(unit, f"户主{i}")
    sheet = read_sheet(xlsx_upload(rows).read(), "files.xlsx")
    with CaptureQueriesContext(connection) as queries:
        result = run_import(sheet=sheet, user=user, commit=True)
    assert result.errors == [] and result.count("create") == households
    return queries.captured_queries


def test_queries_per_household_do_not_grow_with_the_sheet(cadre, group_a1, standard):
    small = imported(cadre, group_a1, 10)
    HardshipFile.objects.all().delete()
    large = imported(cadre, group_a1, 50)

    assert HardshipFile.objects.count() == 50
    assert len(large) - len(small) <= 40 * PER_HOUSEHOLD
    assert len(large) <= 50 * PER_HOUSEHOLD + 20
    # Shared lookups once per import, not once per household.
    assert sum("cases_livingstandard" in q["sql"] for q in large) == 1
    assert sum("cases_tierrule" in q["sql"] for q in large) <= 1
    # The tier followed the standard: the service was given the living standard the import looked up.
    assert all(f.suggested_tier_id for f in HardshipFile.objects.all())
