"""Each fund's money in, money out and paid out per local calendar year, kept beside the entries by the services
and filled from the entries by the migration that added them."""

import datetime as dt
import importlib
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funds.models import FundYearTotal
from funds.services import (
    fund_allocate,
    fund_disburse,
    fund_release,
    fund_reserve,
    fund_transfer,
    transaction_reverse,
)
from reports.annual import annual_figures
from tests.factories import FundFactory

from .helpers import assert_ledger_consistent, kept_year_totals, year_totals_from_entries

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Half a minute either side of midnight on 1 January in Shanghai: both are still 2025 in UTC (16:00 on 31 December).
NEW_YEARS_EVE = dt.datetime(2025, 12, 31, 23, 59, 30, tzinfo=SHANGHAI)
NEW_YEARS_DAY = dt.datetime(2026, 1, 1, 0, 0, 30, tzinfo=SHANGHAI)
D = Decimal


def _totals(fund) -> dict:
    return {t.year: (t.paid_out, t.money_in, t.money_out) for t in FundYearTotal.objects.filter(fund=fund)}


def _post_every_kind(branch_a, group_a1, by):
    """Every kind of movement on 31 December, each reversed just after midnight; the branch fund and the group's."""
    branch, group = FundFactory(unit=branch_a), FundFactory(unit=group_a1)
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        done = [
            fund_allocate(fund=branch, amount="1000.00", source="finance", by=by, idempotency_key="a"),
            fund_transfer(source=branch, target=group, amount="300.00", by=by, idempotency_key="t"),
            fund_reserve(fund=branch, amount="200.00", by=by, idempotency_key="r"),
            fund_release(fund=branch, amount="50.00", by=by, idempotency_key="l"),
            fund_disburse(fund=branch, amount="100.00", by=by, idempotency_key="d"),
        ]
    with time_machine.travel(NEW_YEARS_DAY, tick=False):
        for txn in reversed(done):
            transaction_reverse(txn=txn, by=by, reason="entered on the wrong fund")
    return branch, group


def test_each_kind_and_its_reversal_count_in_the_local_year(branch_a, group_a1, federation, federation_staff):
    branch, group = _post_every_kind(branch_a, group_a1, federation_staff)
    # 2025: 1,000 allocated in; 300 passed down and 100 paid out; the reservation and release move nothing.
    # 2026: the payment's reversal brings 100 back, the transfer's 300; the allocation's takes 1,000 away.
    assert _totals(branch) == {
        2025: (D("100.00"), D("1000.00"), D("-400.00")),
        2026: (D("-100.00"), D("400.00"), D("-1000.00")),
    }
    assert _totals(group) == {2025: (D("0.00"), D("300.00"), D("0.00")), 2026: (D("0.00"), D("0.00"), D("-300.00"))}
    assert_ledger_consistent()
    with time_machine.travel(NEW_YEARS_DAY, tick=False):
        rows = {row["key"]: row for row in annual_figures(unit=federation, year=2026)["funds"]["rows"]}
    assert rows[branch.pk]["cur"] == {"opening": "600.00", "inflow": "400.00", "outflow": "1000.00", "closing": "0.00"}
    assert rows[branch.pk]["prev"] == {"opening": "0.00", "inflow": "1000.00", "outflow": "400.00", "closing": "600.00"}
    assert rows[group.pk]["cur"] == {"opening": "300.00", "inflow": "0.00", "outflow": "300.00", "closing": "0.00"}


def test_a_reservation_alone_writes_no_year_total(branch_a, federation_staff):
    fund = FundFactory(unit=branch_a)
    fund_allocate(fund=fund, amount="80.00", source="donation", by=federation_staff, idempotency_key="a")
    before = _totals(fund)
    fund_reserve(fund=fund, amount="30.00", by=federation_staff, idempotency_key="r")
    fund_release(fund=fund, amount="30.00", by=federation_staff, idempotency_key="l")
    assert _totals(fund) == before


BACKFILL = importlib.import_module("funds.migrations.0015_fund_year_money_in_out").backfill


def test_the_migration_fills_money_in_and_out_from_the_entries_in_two_queries(branch_a, group_a1, federation_staff):
    _branch, group = _post_every_kind(branch_a, group_a1, federation_staff)
    kept = kept_year_totals()
    # As the rows stood before the migration: money in and out at their default, and a fund with no payment
    # (the group's) had no row at all.
    FundYearTotal.objects.update(money_in=0, money_out=0)
    FundYearTotal.objects.filter(fund=group).delete()
    assert kept_year_totals() != kept
    with CaptureQueriesContext(connection) as queries:
        BACKFILL(apps, connection.schema_editor())
    assert len(queries) == 2  # one grouped read of the entries, one upsert: not a query per entry
    assert kept_year_totals() == kept == year_totals_from_entries()
    assert _totals(group) == {2025: (D("0.00"), D("300.00"), D("0.00")), 2026: (D("0.00"), D("0.00"), D("-300.00"))}


# The benchmark seeders write ledger rows by COPY, bypassing the services: their year totals must still match.


@pytest.mark.postgres
def test_the_bench_ledger_keeps_year_totals_in_the_local_year(federation):
    from bench.funds import write_ledger
    from tests.factories import UserFactory

    UserFactory(username="federation")
    fund = FundFactory(unit=federation)
    # An hour either side of midnight in Shanghai, all of it still 31 December in UTC.
    write_ledger(
        fund,
        txns=120,
        start=NEW_YEARS_EVE - dt.timedelta(hours=1),
        end=NEW_YEARS_DAY + dt.timedelta(hours=1),
        log=print,
    )
    assert set(_totals(fund)) == {2025, 2026}
    assert_ledger_consistent()


@pytest.mark.postgres
def test_the_bench_reports_seed_keeps_year_totals(federation, branch_a, branch_b, group_a1, federation_staff):
    from bench.reports import seed

    with time_machine.travel(NEW_YEARS_DAY, tick=False):
        assert seed(transactions=300, fund_count=3)["entries"] == 600
    # Its balance rows stay at zero (the summary does not read them): the year totals match the entries.
    assert len({year for _fund, year in kept_year_totals()}) >= 2
    assert kept_year_totals() == year_totals_from_entries()
