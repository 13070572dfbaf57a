"""Visits made and required over a year and the year before, per branch or per household: one query over the files
and visits.

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
compile unchanged. The summary groups the files by branch; its drill-down groups the
same query by household, so a household's figures add up to its branch's by construction.

On PostgreSQL the rules are evaluated once per household, not once per figure: the files'
subquery turns them into a mask of the months and holidays each household owed a visit
(the same Q objects, one CASE per month), and the counts are bit_count of that mask, and
of it AND the periods visited (visits.selectors.visited_periods_mask). SQLite counts the
rules month by month; a test compares both ways on random households.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.postgres.aggregates import BitOr
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models import Value as V
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThan

from cases.models import HardshipFile
from hardship.months import add_months
from visits.models import Holiday, Outcome, Visit, VisitKind
from visits.selectors import (
    holiday_window,
    holidays_closing_in,
    longest_period,
    obligated_q,
    period_ends_q,
    visited_in_mask_q,
    visited_periods_mask,
)

# The columns of the files the obligation rules read (visits.selectors: obligated_q, period_ends_q, _groups).
RULE_COLUMNS = ("id", "status", "tier_id", "filed_on", "relieved_on", "transition_ends_on")
MASK_BITS = 63  # a signed 64-bit integer
VISIT_FIGURES = ("made", "households", "required", "required_made")


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
    if connection.vendor == "postgresql":
        # The month's position by a binary search of the months' first days: a tenth of the cost of taking the
        # year and month apart (EXTRACT returns numeric since PostgreSQL 14) over two million visits.
        starts = [add_months(layout.first, i) for i in range(layout.months)]
        bucket = Func(F("visited_on"), V(starts, output_field=ArrayField(DateField())), function="width_bucket")
        index = ExpressionWrapper(bucket - 1, output_field=IntegerField())
    else:
        year, month = Cast(ExtractYear("visited_on"), IntegerField()), Cast(ExtractMonth("visited_on"), IntegerField())
        index = year * 12 + month - (layout.first.year * 12 + layout.first.month)
    bit = Cast(V(1), BigIntegerField()).bitleftshift(index)
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


def _visited_sql(
    layout: Layout, files: QuerySet, sides: tuple[tuple[str, int], ...], outcomes: tuple[str, ...] = ()
) -> tuple[str, tuple]:
    """Each household's masks, from one pass over the visits of the two years grouped by household; with
    `outcomes`, also its visits of each outcome per year (the summary's outcome table, without a second pass)."""
    starts = min([layout.first, *(holiday_window(h)[0] for h in layout.holidays)])
    last = max(y for _side, y in sides)
    visits = Visit.objects.filter(
        file__in=files.values("pk"), visited_on__gte=starts, visited_on__lt=dt.date(last + 1, 1, 1)
    )
    masks = {f"mask{i}": _mask(layout, i) for i in range(layout.masks)}
    made = {f"visits_{side}": Count("pk", filter=Q(visited_on__year=y)) for side, y in sides}
    made |= {
        f"o{i}_{side}": Count("pk", filter=Q(visited_on__year=y, outcome=outcome))
        for i, outcome in enumerate(outcomes)
        for side, y in sides
    }
    return visits.order_by().values("file_id").annotate(**masks, **made).query.sql_with_params()


# --- the conditional counts ------------------------------------------------------------------------


def _column(table: str, name: str, output_field=None) -> RawSQL:
    """A column of one of the query's own relations."""
    table, column = (connection.ops.quote_name(n) for n in (table, name))
    return RawSQL(f"{table}.{column}", [], output_field=output_field)  # noqa: S611 - quoted names of our own


def _visited(mask: int) -> Coalesce:
    return Coalesce(_column("visited", f"mask{mask}", BigIntegerField()), V(0), output_field=BigIntegerField())


def _outcome_made(side: str, index: int) -> Coalesce:
    return Coalesce(Sum(_column("visited", f"o{index}_{side}", IntegerField())), V(0), output_field=IntegerField())


def SIDES(year: int) -> tuple[tuple[str, int], ...]:  # noqa: N802
    return (("cur", year), ("prev", year - 1))


def _added(counts: list) -> Expression:
    return sum(counts[1:], counts[0]) if counts else V(0)


def _holiday_owed_q(owed: Q, holiday: Holiday) -> Q:
    """Owed by the households on file by the holiday's last day: one filed in July owes no Spring Festival."""
    return owed & (Q(filed_on__lte=holiday.ends_on) | Q(filed_on__isnull=True))


def _owed_counts(layout: Layout, year: int, today: dt.date) -> tuple[list, list]:
    """Visits required and required visits made, as a conditional count per month and per holiday."""
    required, required_made = [], []
    for month in counted_months(year, today):
        owed = obligated_q(month)
        ends = owed & period_ends_q(month)
        required.append(Count("pk", filter=ends))
        visited = visited_in_mask_q(month, _visited(0), layout.month_bit)
        required_made.append(Count("pk", filter=ends & visited))
        for holiday in holidays_closing_in(month):
            mask, bit = layout.holiday_bit(holiday)
            owed_holiday = _holiday_owed_q(owed, holiday)
            required.append(Count("pk", filter=owed_holiday))
            visited = Q(GreaterThan(_visited(mask).bitand(1 << bit), 0))
            required_made.append(Count("pk", filter=owed_holiday & visited))
    return required, required_made


class BitCount(Func):
    """The number of bits set in a 64-bit integer (PostgreSQL 14+)."""

    template = "bit_count(CAST(%(expressions)s AS bit(64)))"
    output_field = IntegerField()


def _owed_masks(layout: Layout, side: str, year: int, today: dt.date) -> dict[str, tuple[Expression, Expression]]:
    """On PostgreSQL each rule is evaluated once per household, in the files' subquery: a mask of the months it
    owed a visit (and one per mask of the holidays), as columns `owed_<side>_<mask>`. The outer query counts their
    bits for the visits required, and the bits of the same mask AND the periods visited for the visits made.
    {column: (its expression over the files, the visited mask it is read against)}."""
    months, holidays = [], {}
    for month in counted_months(year, today):
        owed = obligated_q(month)
        months.append(When(owed & period_ends_q(month), then=V(1 << layout.month_bit(month))))
        for holiday in holidays_closing_in(month):
            mask, bit = layout.holiday_bit(holiday)
            holidays.setdefault(mask, []).append(When(_holiday_owed_q(owed, holiday), then=V(1 << bit)))
    masks = {}
    if months:
        masks[f"owed_{side}_m"] = (_bits(months), visited_periods_mask(_visited(0)))
    for mask, whens in holidays.items():
        masks[f"owed_{side}_h{mask}"] = (_bits(whens), _visited(mask))
    return masks


def _bits(whens: list[When]) -> Expression:
    cases = [Case(when, default=V(0), output_field=BigIntegerField()) for when in whens]
    return sum(cases[1:], cases[0])


def _counts(layout: Layout, side: str, year: int, today: dt.date, outcomes: tuple[str, ...] = (), owed=None) -> dict:
    """Visits made and households visited; visits required and required visits made, month by month and holiday
    by holiday (from the `owed` masks on PostgreSQL, as conditional counts elsewhere), added up in the query (a
    group of one household gives its own figures)."""
    made = _column("visited", f"visits_{side}", IntegerField())
    if owed is None:
        required, required_made = _owed_counts(layout, year, today)
    else:
        table = HardshipFile._meta.db_table
        columns = [(_column(table, name, BigIntegerField()), visited) for name, (_e, visited) in owed.items()]
        required = [Sum(BitCount(column)) for column, _visited_mask in columns]
        required_made = [Sum(BitCount(column.bitand(visited))) for column, visited in columns]
    by_outcome = {f"{side}_o{i}": _outcome_made(side, i) for i in range(len(outcomes))}
    return {
        f"{side}_made": Coalesce(Sum(made), V(0), output_field=IntegerField()),
        f"{side}_households": Count("pk", filter=Q(GreaterThan(made, 0))),
        f"{side}_required": Coalesce(_added(required), V(0), output_field=IntegerField()),
        f"{side}_required_made": Coalesce(_added(required_made), V(0), output_field=IntegerField()),
        **by_outcome,
    }


def compliance_sql(
    files: QuerySet,
    year: int,
    today: dt.date,
    *,
    keys: dict,
    sides: tuple[tuple[str, int], ...] | None = None,
    shape: Callable[[QuerySet], QuerySet] = lambda qs: qs,
    outcomes: tuple[str, ...] = (),
    owed_masks: bool = True,
) -> tuple[str, tuple]:
    """The files grouped by `keys` (expressions over the files, e.g. the branch holding each, or the household
    itself), each group with its counts for `sides` (this year and the one before unless told), in one query.
    `shape` may filter (the counts too), order and slice the grouped query, over the keys and the counts.
    On PostgreSQL the visits owed are counted from masks (`owed_masks`; the tests compare both ways)."""
    layout = _layout(year, today)
    sides = sides or SIDES(year)
    on_postgresql = connection.vendor == "postgresql" and owed_masks
    owed = {side: _owed_masks(layout, side, y, today) if on_postgresql else None for side, y in sides}
    counts = {
        name: count
        for side, y in sides
        for name, count in _counts(layout, side, y, today, outcomes, owed[side]).items()
    }
    masks = {name: expression for side_masks in owed.values() for name, (expression, _v) in (side_masks or {}).items()}
    table = HardshipFile._meta.db_table
    rules = files.annotate(**keys, **masks).order_by().values(*RULE_COLUMNS, *keys, *masks)
    outer = HardshipFile.objects.annotate(**{k: _column(table, k) for k in keys}).order_by().values(*keys)
    visited_sql, visited_params = _visited_sql(layout, files, sides, outcomes)
    rules_sql, rules_params = rules.query.sql_with_params()
    outer_sql, outer_params = shape(outer.annotate(**counts)).query.sql_with_params()
    # The counts read the files' rule columns and masks from a relation under the files table's name.
    quoted = connection.ops.quote_name(table)
    assert outer_sql.count(f"FROM {quoted}") == 1, outer_sql  # noqa: S101
    select, rest = outer_sql.split(f"FROM {quoted}")
    before = select.count("%s")
    # OFFSET 0 keeps PostgreSQL from pulling the files' subquery up into the counts, which would evaluate each owed
    # mask once for every aggregate reading it instead of once per household.
    fence = " OFFSET 0" if on_postgresql else ""
    source = f"FROM ({rules_sql}{fence}) {quoted} LEFT JOIN visited ON visited.file_id = {quoted}.id"
    sql = f"WITH visited AS ({visited_sql}) {select}{source}{rest}"
    return sql, (*visited_params, *outer_params[:before], *rules_params, *outer_params[before:])


def _fetch(sql: str, params: tuple) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def visits_by_branch(files: QuerySet, branch, year: int, today: dt.date) -> dict[str, dict[str, dict[str, int]]]:
    """{"cur"|"prev": {branch: {"made", "households", "required", "required_made", "outcomes": {outcome: made}}}}
    for the year and the one before, in one query. `branch` is the expression grouping the files (the summary
    unit's child holding each)."""
    outcomes = tuple(Outcome.values)
    rows = _fetch(*compliance_sql(files, year, today, keys={"branch": branch}, outcomes=outcomes))
    return {
        side: {
            row["branch"]: {
                **{m: int(row[f"{side}_{m}"] or 0) for m in VISIT_FIGURES},
                "outcomes": {o: int(row[f"{side}_o{i}"] or 0) for i, o in enumerate(outcomes)},
            }
            for row in rows
        }
        for side in ("cur", "prev")
    }


# --- the households behind a figure ------------------------------------------------------------------

# Which households each figure of the visits table counts (the drill-down's filter, on one household's counts).
HOUSEHOLD_FILTERS = {
    "required": Q(cur_required__gt=0),
    "required_made": Q(cur_required_made__gt=0),
    "made": Q(cur_made__gt=0),
    "households": Q(cur_households__gt=0),
    "compliance": Q(cur_required_made__lt=F("cur_required")),
}


@dataclass(frozen=True)
class Anchor:
    """The household at the edge of a page, in (name, id) order; `forward` pages after it, else before it."""

    name: str
    pk: int
    forward: bool = True


def households_page(
    files: QuerySet, year: int, today: dt.date, *, metric: str, size: int, anchor: Anchor | None = None
) -> tuple[list[dict], bool]:
    """A page of the households behind one figure of the visits table (HOUSEHOLD_FILTERS), in name order, each
    with its own "required", "required_made" and "made" for the year, from the very query that counts them for
    the summary grouped by household instead of by branch; and whether there are more beyond the page."""
    keys = {"file_id": F("pk"), "file_name": F("name")}
    desc = anchor is not None and not anchor.forward

    def shape(qs: QuerySet) -> QuerySet:
        qs = qs.filter(HOUSEHOLD_FILTERS[metric])
        if anchor is not None:
            beyond = "lt" if desc else "gt"
            after_name = Q(**{f"file_name__{beyond}": anchor.name})
            qs = qs.filter(after_name | Q(file_name=anchor.name, **{f"file_id__{beyond}": anchor.pk}))
        order = ("-file_name", "-file_id") if desc else ("file_name", "file_id")
        return qs.order_by(*order)[: size + 1]

    rows = _fetch(*compliance_sql(files, year, today, keys=keys, sides=(("cur", year),), shape=shape))
    more = len(rows) > size
    rows = rows[:size]
    if desc:
        rows.reverse()
    return [
        {"pk": r["file_id"], **{m: int(r[f"cur_{m}"] or 0) for m in ("required", "required_made", "made")}}
        for r in rows
    ], more
