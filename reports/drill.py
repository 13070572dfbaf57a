"""The records behind one figure of the annual summary: a page of households or aid requests, in the user's scope.

Each list is filtered by the very rule that counts the figure (reports.annual, reports.compliance), so what
it lists adds up to the figure; the callers pass querysets already narrowed to the user's scope.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cases.models import HardshipFile
from hardship.money import MoneySum
from hardship.pagination import KeysetPage, keyset_page

from .annual import ZERO, aid_metric_q, with_approved_at, year_bounds
from .compliance import Anchor, households_page


@dataclass(frozen=True)
class Column:
    label: str
    money: bool = False


@dataclass
class HouseholdRow:
    """A household and its own figures, in the order of the page's columns."""

    file: HardshipFile
    figures: list
    cells: list = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.file.pk


def with_columns(page: KeysetPage, columns: list[Column]) -> KeysetPage:
    """Each row's figures beside their columns, for the page (and the stacked table's labels on a phone)."""
    for row in page.items:
        row.cells = list(zip(columns, row.figures, strict=True))
    return page


@dataclass
class AidTotals:
    count: int
    amount: Decimal


def _keyset(items: list, more: bool, anchor: Anchor | None) -> KeysetPage:
    """A page as keyset_page makes it, from rows fetched after (or before) `anchor`."""
    forward = anchor is None or anchor.forward
    has_next, has_prev = (more, anchor is not None) if forward else (True, more)
    return KeysetPage(
        items=items,
        next_cursor=items[-1].pk if items and has_next else None,
        prev_cursor=items[0].pk if items and has_prev else None,
    )


def _anchor(files: QuerySet, after: int | None, before: int | None) -> Anchor | None:
    """The household at the page edge, looked up in scope: a cursor naming anything else is the first page."""
    cursor = before or after
    name = files.filter(pk=cursor).values_list("name", flat=True).first() if cursor else None
    return None if name is None else Anchor(name=name, pk=cursor, forward=before is None)


def compliance_households(
    *, files: QuerySet, year: int, metric: str, size: int, after: int | None = None, before: int | None = None
) -> KeysetPage:
    """The households behind a figure of the visits table: visits required, required visits made, visits made
    in the year for each."""
    anchor = _anchor(files, after, before)
    rows, more = households_page(files, year, timezone.localdate(), metric=metric, size=size, anchor=anchor)
    found = {f.pk: f for f in files.filter(pk__in=[r["pk"] for r in rows]).select_related("unit", "tier")}
    items = [HouseholdRow(found[r["pk"]], [r["required"], r["required_made"], r["made"]]) for r in rows]
    return _keyset(items, more, anchor)


def outcome_households(
    *, files: QuerySet, year: int, outcome: str, size: int, after: int | None = None, before: int | None = None
) -> KeysetPage:
    """The households with visits finding `outcome` in the year, each with the number of those visits."""
    start, end = year_bounds(year)
    found = Q(visits__outcome=outcome, visits__visited_on__gte=start, visits__visited_on__lt=end)
    qs = files.annotate(outcome_visits=Count("visits", filter=found)).filter(outcome_visits__gt=0)
    page = keyset_page(qs.select_related("unit", "tier"), field="name", descending=False, size=size,
                       after=after, before=before)  # fmt: skip
    page.items = [HouseholdRow(f, [f.outcome_visits]) for f in page.items]
    return page


def aid_requests(
    *, requests: QuerySet, year: int, metric: str, size: int, after: int | None = None, before: int | None = None
) -> tuple[KeysetPage, AidTotals]:
    """The requests behind an aid figure, newest first, and their number and amount (both figures of the row)."""
    qs = with_approved_at(requests).filter(aid_metric_q(metric, year))
    totals = qs.aggregate(count=Count("pk"), amount=MoneySum("requested_amount"))
    page = keyset_page(qs.select_related("file__unit", "aid_type", "fund"), field="id", descending=True, size=size,
                       after=after, before=before)  # fmt: skip
    return page, AidTotals(count=totals["count"], amount=totals["amount"] or ZERO)


def paid_households(
    *, files: QuerySet, requests: QuerySet, year: int, size: int, after: int | None = None, before: int | None = None
) -> KeysetPage:
    """The households paid aid in the year, each with its payments and the amount paid."""
    paid = requests.filter(aid_metric_q("households", year))
    own = paid.filter(file=OuterRef("pk")).order_by().values("file")
    qs = files.filter(pk__in=paid.values("file_id")).annotate(
        payments=Subquery(own.annotate(n=Count("pk")).values("n")),
        amount=Subquery(own.annotate(total=MoneySum("requested_amount")).values("total")),
    )
    page = keyset_page(qs.select_related("unit", "tier"), field="name", descending=False, size=size,
                       after=after, before=before)  # fmt: skip
    page.items = [HouseholdRow(f, [f.payments, f.amount]) for f in page.items]
    return page
