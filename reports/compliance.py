"""Visits made and required over a year and the year before, per branch: one query over the files and visits.

Compliance needs, for every month, whether the household had a visit in the visiting
period ending then, and for every holiday whether it had a holiday visit in its window.
Asking the visits table that with an EXISTS per month and household costs dozens of
index probes per household (15 s over 200,000 households). Here one pass over the
visits of the two years, grouped by household, gives each household a bit mask (a bit
per month visited, a bit per holiday visited); the files are joined to it by hash and
the month-by-month conditional counts only test bits.

The ORM cannot join a grouped subquery, so the pieces are compiled by the ORM and put
together here: the counts are an ORM query over the files whose FROM is replaced by the
files' rule columns (under the files table's name) joined to the masks, so the
obligation rules (the same Q objects as the visits pages, from visits.selectors)
compile unchanged.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.postgres.aggregates import BitOr
from django.db import connection
from django.db.models import BigIntegerField, Case, Count, IntegerField, Max, Q, QuerySet, Sum, When
from django.db.models import Value as V
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThan

from cases.models import HardshipFile
from hardship.months import add_months
from visits.models import Holiday, Visit, VisitKind
from visits.selectors import (
    holiday_window,
    holidays_closing_in,
    longest_period,
    obligated_q,
    period_ends_q,
    visited_in_mask_q,
)

# The columns of the files the obligation rules read (visits.selectors: obligated_q, period_ends_q, _groups).
RULE_COLUMNS = ("id", "status", "tier_id", "filed_on", "relieved_on", "transition_ends_on")
MASK_BITS = 63  # a signed 64-bit integer


@dataclass(frozen=True)
class Layout:
    """Which bit of which mask stands for a month visited or a holiday visited."""

    first: dt.date  # the month of bit 0 of mask 0
    months: int
    holidays: tuple[Holiday, ...]

    def month_bit(self, month: dt.date) -> int:
        return (month.year - self.first.year) * 12 + month.month - self.first.month

    def holiday_bit(self, holiday: Holiday) -> tuple[int, int]:
        """(mask, bit): the holidays fill mask 0 after the months, then further masks."""
        at = self.months + self.holidays.index(holiday)
        return at // MASK_BITS, at % MASK_BITS

    @property
    def masks(self) -> int:
        return (self.months + len(self.holidays) - 1) // MASK_BITS + 1


def counted_months(year: int, today: dt.date) -> list[dt.date]:
    """The year's months whose obligations have started (all twelve for a past year)."""
    return [m for m in (dt.date(year, i, 1) for i in range(1, 13)) if m <= today]


def _layout(year: int, today: dt.date) -> Layout:
    # Bit 0 is the first month of the longest visiting period that ends in January of the year before.
    first = add_months(dt.date(year - 1, 1, 1), 1 - longest_period())
    months = [*counted_months(year - 1, today), *counted_months(year, today)]
    holidays = tuple(h for month in months for h in holidays_closing_in(month))
    return Layout(first=first, months=(year - first.year) * 12 + 12 - first.month + 1, holidays=holidays)


# --- the per-household masks ---------------------------------------------------------------------


def _month_bit(layout: Layout) -> Case:
    """Per visit: the bit of the month it was made in (none before the first month of the masks)."""
    index = Cast(ExtractYear("visited_on"), IntegerField()) * 12 + Cast(ExtractMonth("visited_on"), IntegerField())
    bit = Cast(V(1), BigIntegerField()).bitleftshift(index - (layout.first.year * 12 + layout.first.month))
    return Case(When(visited_on__gte=layout.first, then=bit), default=V(0), output_field=BigIntegerField())


def _holiday_bit(holiday: Holiday, bit: int) -> Case:
    """Per visit: the holiday's bit when it is a holiday visit in the holiday's window."""
    first, last = holiday_window(holiday)
    visited = Q(kind=VisitKind.HOLIDAY, visited_on__gte=first, visited_on__lte=last)
    return Case(When(visited, then=V(1 << bit)), default=V(0), output_field=BigIntegerField())


def _mask(layout: Layout, index: int):
    """Mask `index` of a household: the OR of the bits of its visits."""
    months = [_month_bit(layout)] if index == 0 else []
    holidays = [_holiday_bit(h, bit) for h in layout.holidays for mask, bit in [layout.holiday_bit(h)] if mask == index]
    if connection.vendor == "postgresql":
        return BitOr(sum(holidays, months[0]) if months else sum(holidays[1:], holidays[0]))
    # Elsewhere: the months' distinct powers of two add up to their OR; a holiday's bit is its maximum.
    parts = [Sum(months[0], distinct=True)] if months else []
    parts += [Max(bit) for bit in holidays]
    return Cast(sum(parts[1:], parts[0]), BigIntegerField())


def _visited_sql(layout: Layout, files: QuerySet, year: int) -> tuple[str, tuple]:
    """Each household's masks, from one pass over the visits of the two years grouped by household."""
    starts = min([layout.first, *(holiday_window(h)[0] for h in layout.holidays)])
    visits = Visit.objects.filter(
        file__in=files.values("pk"), visited_on__gte=starts, visited_on__lt=dt.date(year + 1, 1, 1)
    )
    masks = {f"mask{i}": _mask(layout, i) for i in range(layout.masks)}
    made = {f"visits_{side}": Count("pk", filter=Q(visited_on__year=y)) for side, y in SIDES(year)}
    return visits.order_by().values("file_id").annotate(**masks, **made).query.sql_with_params()


# --- the conditional counts ------------------------------------------------------------------------


def _column(table: str, name: str, output_field=None) -> RawSQL:
    """A column of one of the query's own relations."""
    table, column = (connection.ops.quote_name(n) for n in (table, name))
    return RawSQL(f"{table}.{column}", [], output_field=output_field)  # noqa: S611 - quoted names of our own


def _visited(mask: int) -> Coalesce:
    return Coalesce(_column("visited", f"mask{mask}", BigIntegerField()), V(0), output_field=BigIntegerField())


def SIDES(year: int) -> tuple[tuple[str, int], ...]:  # noqa: N802
    return (("cur", year), ("prev", year - 1))


def _counts(layout: Layout, side: str, year: int, today: dt.date) -> dict:
    """Visits made and households visited; visits required and required visits made, month by month and holiday
    by holiday, as conditional counts."""
    made = _column("visited", f"visits_{side}", IntegerField())
    counts = {f"{side}_visits": Sum(made), f"{side}_households": Count("pk", filter=Q(GreaterThan(made, 0)))}
    for month in counted_months(year, today):
        owed = obligated_q(month)
        ends = owed & period_ends_q(month)
        counts[f"{side}_r{month.month}"] = Count("pk", filter=ends)
        visited = visited_in_mask_q(month, _visited(0), layout.month_bit)
        counts[f"{side}_m{month.month}"] = Count("pk", filter=ends & visited)
        for holiday in holidays_closing_in(month):
            mask, bit = layout.holiday_bit(holiday)
            counts[f"{side}_hr{holiday.pk}"] = Count("pk", filter=owed)
            visited = Q(GreaterThan(_visited(mask).bitand(1 << bit), 0))
            counts[f"{side}_hm{holiday.pk}"] = Count("pk", filter=owed & visited)
    return counts


def compliance_sql(files: QuerySet, branch, year: int, today: dt.date) -> tuple[str, tuple]:
    """The one query behind visits_by_branch."""
    layout = _layout(year, today)
    counts = {**_counts(layout, "cur", year, today), **_counts(layout, "prev", year - 1, today)}
    table = HardshipFile._meta.db_table
    rules = files.annotate(branch=branch).order_by().values(*RULE_COLUMNS, "branch")
    outer = HardshipFile.objects.annotate(branch=_column(table, "branch")).order_by().values("branch")
    visited_sql, visited_params = _visited_sql(layout, files, year)
    rules_sql, rules_params = rules.query.sql_with_params()
    outer_sql, outer_params = outer.annotate(**counts).query.sql_with_params()
    # The counts read the files' rule columns and masks from a relation under the files table's name.
    quoted = connection.ops.quote_name(table)
    assert outer_sql.count(f"FROM {quoted}") == 1, outer_sql  # noqa: S101
    select, rest = outer_sql.split(f"FROM {quoted}")
    before = select.count("%s")
    source = f"FROM ({rules_sql}) {quoted} LEFT JOIN visited ON visited.file_id = {quoted}.id"
    sql = f"WITH visited AS ({visited_sql}) {select}{source}{rest}"
    return sql, (*visited_params, *outer_params[:before], *rules_params, *outer_params[before:])


def visits_by_branch(files: QuerySet, branch, year: int, today: dt.date) -> dict[str, dict[str, dict[str, int]]]:
    """{"cur"|"prev": {branch: {"made", "households", "required", "required_made"}}} for the year and the one
    before, in one query. `branch` is the expression grouping the files (the summary unit's child holding each)."""
    with connection.cursor() as cursor:
        cursor.execute(*compliance_sql(files, branch, year, today))
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {side: _per_branch(rows, side) for side in ("cur", "prev")}


def _per_branch(rows: list[dict], side: str) -> dict[str, dict[str, int]]:
    out = {}
    for row in rows:
        out[row["branch"]] = {
            "made": int(row[f"{side}_visits"] or 0),
            "households": row[f"{side}_households"],
            "required": sum(v for k, v in row.items() if k.startswith((f"{side}_r", f"{side}_hr"))),
            "required_made": sum(v for k, v in row.items() if k.startswith((f"{side}_m", f"{side}_hm"))),
        }
    return out
