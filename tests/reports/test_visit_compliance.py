"""Visits required against visits made in the annual summary: the tricky households one at a time.

Today is 16 March 2026 (tests/reports/conftest.py). Tiers are visited monthly unless a case makes
its tier quarterly; relieved households in their transition period get a check-in every six months
(periods Jan-Jun and Jul-Dec). The 2025 holidays close in January (New Year's Day, its window
opening 18 Dec 2024), February (Spring Festival, from 14 Jan) and October (Mid-Autumn, from
17 Sep); a holiday counts once per household owed visits in the month it closes and on file by its
last day (a household filed in July owes no Spring Festival visit). There are no
2024 holidays on record. The obligations follow the household's current status, as the visits
pages do: a household relieved in May counts only as relieved for the whole year.
"""

import datetime as dt

import pytest

from cases.models import Tier
from cases.workflow import FileKind, FileStatus
from reports.annual import annual_figures
from tests.factories import HardshipFileFactory, VisitFactory
from visits.models import VisitFrequency, VisitKind

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
HOLIDAY = VisitKind.HOLIDAY


def household(unit, *, quarterly: bool = False, **fields):
    tiers = Tier.objects.order_by("order")
    tier = tiers.last() if quarterly else tiers.first()
    if quarterly:
        VisitFrequency.objects.update_or_create(tier=tier, defaults={"every_months": 3})
    days = {k: D(v) for k, v in fields.items() if k.endswith("_on")}
    other = {k: v for k, v in fields.items() if not k.endswith("_on")}
    return HardshipFileFactory(unit=unit, tier=tier, **{"status": FileStatus.FILED, **other, **days})


def visit(hfile, day: str, kind: str = VisitKind.MONTHLY) -> None:
    VisitFactory(file=hfile, visited_on=D(day), kind=kind)


def compliance(unit, year: int) -> tuple[int, int, int, int]:
    """(required, made) this year, then (required, made) the year before."""
    total = annual_figures(unit=unit, year=year)["visits"]["total"]
    return (total["cur"]["required"], total["cur"]["required_made"],
            total["prev"]["required"], total["prev"]["required_made"])  # fmt: skip


CASES = {
    # On file all year, monthly: 12 months and 3 holidays. Visits in Jan, Feb, Mar and Sep, three of
    # them holiday visits (one in December 2024 for New Year's Day 2025). 2024: filed in May, 8 months.
    "on file all year": (
        {"filed_on": "2024-05-01"},
        [
            ("2024-12-20", HOLIDAY),
            ("2025-01-10", "monthly"),
            ("2025-02-01", HOLIDAY),
            ("2025-03-05", "monthly"),
            ("2025-09-20", HOLIDAY),
        ],
        (15, 7, 8, 1),
    ),
    # Filed in mid-July: July to December, and the one holiday after filing (Mid-Autumn, not New Year's Day
    # or the Spring Festival). The Mid-Autumn holiday visit also counts for October.
    "filed mid-year": (
        {"filed_on": "2025-07-15"},
        [("2025-07-20", "monthly"), ("2025-10-02", HOLIDAY)],
        (7, 3, 0, 0),
    ),
    # Relieved in May with a transition until 10 November: June's check-in (a March visit counts for
    # Jan-Jun) and the holidays of January, February and October; none owed in December.
    "relieved mid-year": (
        {
            "status": FileStatus.RELIEVED,
            "filed_on": "2023-01-01",
            "relieved_on": "2025-05-10",
            "transition_ends_on": "2025-11-10",
        },
        [("2025-03-03", "monthly"), ("2025-09-25", HOLIDAY)],
        (4, 2, 0, 0),
    ),
    # Relieved on 1 December 2024, a year of transition: check-ins due in June and December 2025 (and
    # December 2024), the three holidays. A holiday visit on 31 January counts for both.
    "transition check-ins": (
        {
            "status": FileStatus.RELIEVED,
            "filed_on": "2022-03-01",
            "relieved_on": "2024-12-01",
            "transition_ends_on": "2025-12-01",
        },
        [("2025-01-31", HOLIDAY), ("2025-08-15", "monthly")],
        (5, 3, 1, 0),
    ),
    # Transition over on 1 June 2024: owes nothing in 2025; in 2024, June's check-in.
    "transition over": (
        {
            "status": FileStatus.RELIEVED,
            "filed_on": "2022-03-01",
            "relieved_on": "2023-06-01",
            "transition_ends_on": "2024-06-01",
        },
        [("2025-04-01", "monthly")],
        (0, 0, 1, 0),
    ),
    # A quarterly tier: four quarters and three holidays; 2024 from February, four quarters.
    "quarterly": (
        {"filed_on": "2024-02-01", "quarterly": True},
        [("2025-05-05", "monthly"), ("2025-12-31", "monthly")],
        (7, 2, 4, 0),
    ),
    # A temporary file is never filed and owes no visits, whatever visits it has.
    "temporary file": (
        {"kind": FileKind.TEMPORARY, "status": FileStatus.INVESTIGATED},
        [("2025-03-01", "monthly"), ("2025-02-01", HOLIDAY)],
        (0, 0, 0, 0),
    ),
    # Closed: owes nothing, before or after closing.
    "closed": (
        {"status": FileStatus.CLOSED, "filed_on": "2023-01-01", "closed_on": "2025-06-01"},
        [("2025-03-01", "monthly")],
        (0, 0, 0, 0),
    ),
    # Filed on the Spring Festival's last day (4 February): February to December, the Spring Festival and
    # Mid-Autumn, not New Year's Day. The holiday visit the day before counts for February and the festival.
    "filed on a holiday's last day": (
        {"filed_on": "2025-02-04"},
        [("2025-02-03", HOLIDAY)],
        (13, 2, 0, 0),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_visits_required_and_made_for_a_tricky_household(frozen, federation, group_a1, case):
    fields, visits, expected = CASES[case]
    hfile = household(group_a1, **fields)
    for day, kind in visits:
        visit(hfile, day, kind)
    assert compliance(federation, 2025) == expected


def test_the_current_year_counts_the_months_begun_and_the_holidays_closed(frozen, federation, group_a1):
    hfile = household(group_a1, filed_on="2024-05-01")
    visit(hfile, "2025-12-20", HOLIDAY)  # New Year's Day 2026 (window from 18 December)
    visit(hfile, "2026-03-02")
    # January to March, New Year's Day and the Spring Festival: 5; March and New Year's Day made.
    assert compliance(federation, 2026)[:2] == (5, 2)


def test_every_unit_counts_its_own_households_and_the_total_adds_up(frozen, federation, group_a1, group_b1):
    """The same households split between two branches: each branch row holds its own, the total both."""
    for unit, (fields, visits, _expected) in zip([group_a1, group_b1] * 4, CASES.values(), strict=False):
        hfile = household(unit, **fields)
        for day, kind in visits:
            visit(hfile, day, kind)
    visits = annual_figures(unit=federation, year=2025)["visits"]
    rows = {row["en"]: (row["cur"]["required"], row["cur"]["required_made"]) for row in visits["by_unit"]}
    # Branch A: on file all year, relieved mid-year, transition over, temporary; branch B: the others.
    assert rows == {"Branch A": (15 + 4, 7 + 2), "Branch B": (7 + 5 + 7, 3 + 3 + 2)}
    assert (visits["total"]["cur"]["required"], visits["total"]["cur"]["required_made"]) == (38, 17)


@pytest.mark.postgres
def test_the_owed_masks_count_what_the_conditional_counts_count(frozen, federation, group_a1, group_b1):
    """On PostgreSQL the visits owed are counted from per-household masks of the months and holidays owed; the
    conditional counts (what SQLite runs) are the rules as written. 120 households of every kind, status and
    filing date, with visits of every kind on random days: both give every figure of both years alike."""
    import random

    from django.utils import timezone

    from reports.compliance import _fetch, compliance_sql

    rng = random.Random(20251231)
    statuses = [FileStatus.FILED] * 4 + [FileStatus.RELIEVED, FileStatus.CLOSED, FileStatus.INVESTIGATED]
    for i in range(120):
        status = rng.choice(statuses)
        filed = dt.date(2023, 6, 1) + dt.timedelta(days=rng.randrange(900))
        fields = {"filed_on": filed.isoformat(), "status": status}
        if status == FileStatus.RELIEVED:
            relieved = filed + dt.timedelta(days=rng.randrange(30, 400))
            ends = relieved + dt.timedelta(days=rng.randrange(0, 700))
            fields |= {"relieved_on": relieved.isoformat(), "transition_ends_on": ends.isoformat()}
        hfile = household(group_a1 if i % 2 else group_b1, quarterly=i % 5 == 0, **fields)
        for _ in range(rng.randrange(0, 14)):
            day = dt.date(2024, 5, 1) + dt.timedelta(days=rng.randrange(700))
            visit(hfile, day.isoformat(), rng.choice([VisitKind.MONTHLY, HOLIDAY]))
    from django.db.models import F

    from cases.models import HardshipFile

    files = HardshipFile.objects.filter(unit__path__startswith=federation.path)
    both = [
        sorted(
            _fetch(*compliance_sql(files, 2025, timezone.localdate(), keys={"file_id": F("pk")}, owed_masks=masks)),
            key=lambda row: row["file_id"],
        )
        for masks in (True, False)
    ]
    assert both[0] == both[1]
    assert sum(row["cur_required"] for row in both[0]) > 500  # the households owed visits: the test tests something
