"""Reads of holiday condolence batches that depend on the user.

A batch is seen by whoever's scope holds its unit, and by whoever's scope holds
one of its households (a cadre delivering to the households of their group);
its lines, counts and totals are always those of the households in the user's
scope, so nobody sees, counts or finds a household outside their units.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from cases.filters import ID_LIKE
from hardship.money import MoneySum
from hardship.pagination import KeysetPage, keyset_page
from org.scoping import scope_for

from .models import BatchLine, CondolenceBatch, Fund, LineStatus
from .services import MANAGE_ROLES, ZERO
from .services.ledger import fund_may_manage

# What the line filter offers; "all" leaves out nothing.
LINE_FILTERS = ("pending", "delivered", "excluded", "released")


def batch_list_for_user(*, user) -> QuerySet:
    in_scope = scope_for(user).unit_ids
    has_household = Exists(BatchLine.objects.visible_to(user).filter(batch=OuterRef("pk")).order_by())
    return CondolenceBatch.objects.filter(Q(unit__in=in_scope) | has_household)


def batch_get_for_user(*, user, pk: int) -> CondolenceBatch:
    """The batch if the user may see it; 404 whether it is out of scope or does not exist."""
    related = ("unit", "holiday", "fund__unit", "fund__balance", "aid_type", "created_by", "approved_by")
    return get_object_or_404(batch_list_for_user(user=user).select_related(*related), pk=pk)


def batch_page(*, user, size: int, status: str = "", after: int | None = None, before: int | None = None) -> KeysetPage:
    qs = batch_list_for_user(user=user).select_related("unit", "holiday", "fund")
    if status:
        qs = qs.filter(status=status)
    return keyset_page(qs, field="id", descending=True, size=size, after=after, before=before)


def lines_for_user(*, user, batch: CondolenceBatch) -> QuerySet:
    return BatchLine.objects.visible_to(user).filter(batch=batch)


def line_get_for_user(*, user, batch_pk: int, pk: int) -> BatchLine:
    """A line of a household in the user's scope; 404 otherwise."""
    qs = BatchLine.objects.visible_to(user).select_related(
        "batch__unit", "batch__holiday", "batch__fund", "file__unit", "tier", "delivered_by"
    )
    return get_object_or_404(qs, batch_id=batch_pk, pk=pk)


def search_lines(qs: QuerySet, text: str) -> QuerySet:
    """The file list's search: an ID-number prefix, else a name prefix."""
    text = text.strip()
    if ID_LIKE.match(text):
        return qs.filter(file__id_number__startswith=text.upper())
    return qs.filter(file__name__startswith=text) if text else qs


def lines_page(
    *, user, batch: CondolenceBatch, size: int, status: str = "", text: str = "", after=None, before=None
) -> KeysetPage:
    qs = search_lines(lines_for_user(user=user, batch=batch), text)
    if status:
        qs = qs.filter(status=status)
    qs = qs.select_related("file__unit", "tier", "delivered_by")
    return keyset_page(qs, field="id", descending=False, size=size, after=after, before=before)


def sheet_lines(*, user, batch: CondolenceBatch, below: str | None = None) -> QuerySet:
    """The households to sign for: every line in scope that is (or was) to be delivered, those of the units
    below the path `below` when given (one group's sheet)."""
    lines = lines_for_user(user=user, batch=batch)
    if below:
        lines = lines.filter(file__unit__path__startswith=below)
    return (
        lines.exclude(status__in=[LineStatus.EXCLUDED, LineStatus.CANCELLED])
        .select_related("file__unit", "tier")
        .order_by("file__unit__path", "pk")
    )


@dataclass(frozen=True)
class BatchSummary:
    """Counts and totals of the lines in the user's scope, by status, from one query."""

    counts: dict[str, int]
    totals: dict[str, Decimal]

    @property
    def listed(self) -> int:
        return sum(n for status, n in self.counts.items() if status not in (LineStatus.EXCLUDED, LineStatus.CANCELLED))

    @property
    def total(self) -> Decimal:
        """What the batch gives the households in scope: pending, delivered and released lines."""
        keep = (LineStatus.PENDING, LineStatus.DELIVERED, LineStatus.RELEASED)
        return sum((self.totals[s] for s in keep), ZERO)


def batch_summary(*, user, batch: CondolenceBatch) -> BatchSummary:
    value = F("cash") + F("goods_value")
    aggregates = {}
    for status in LineStatus.values:
        aggregates[f"n_{status}"] = Count("pk", filter=Q(status=status))
        aggregates[f"s_{status}"] = MoneySum(value, filter=Q(status=status))
    row = lines_for_user(user=user, batch=batch).aggregate(**aggregates)
    return BatchSummary(
        counts={s: row[f"n_{s}"] for s in LineStatus.values},
        totals={s: row[f"s_{s}"] or ZERO for s in LineStatus.values},
    )


def manager_units_for_user(*, user) -> list[tuple[int, str]]:
    """Units where the user may make a batch: those under a federation-staff or chair role."""
    return scope_for(user).unit_choices_under(MANAGE_ROLES)


def batch_funds_for_user(*, user) -> list[Fund]:
    """Active funds in scope the user manages: the choices of a batch (the service checks the unit)."""
    funds = Fund.objects.visible_to(user).filter(is_active=True).select_related("unit", "balance")
    return [fund for fund in funds if fund_may_manage(user=user, fund=fund)]
