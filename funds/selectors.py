"""Reads of funds and the ledger that depend on the user: everything starts from the user's scope.

A fund is seen by whoever's scope holds its unit (the one scoping mechanism), so
a cadre sees the funds of their own unit and below, read-only; only federation
staff and branch chairs move money (see services.fund_may_manage).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import PlanHelper
from hardship.money import MoneySum
from hardship.pagination import KeysetPage, keyset_page
from org.scoping import scope_for

from .models import (
    AidDecision,
    AidDocument,
    AidRequest,
    Delegation,
    Entry,
    FiscalYear,
    Fund,
    FundBalance,
    FundYearTotal,
    LedgerTransaction,
    moved_q,
)
from .quality import MISSING_EVIDENCE, missing_evidence_q
from .services import ZERO, held_total, queue_version, with_waiting_since, year_start
from .workflow import AidStatus


def fund_list_for_user(*, user) -> QuerySet:
    return Fund.objects.visible_to(user)


def fund_rows_for_user(*, user) -> QuerySet:
    """Every fund in scope with its unit, kind and balance, in one query."""
    return fund_list_for_user(user=user).select_related("unit", "kind", "balance")


def fund_get_for_user(*, user, pk: int) -> Fund:
    """The fund if the user may see it; 404 whether it is out of scope or does not exist."""
    return get_object_or_404(fund_rows_for_user(user=user), pk=pk)


def transaction_get_for_fund(*, fund: Fund, pk: int) -> LedgerTransaction:
    """A transaction with an entry on `fund` (already scoped by fund_get_for_user); 404 otherwise."""
    return get_object_or_404(LedgerTransaction.objects.filter(entries__fund=fund).distinct(), pk=pk)


def transfer_targets_for_user(*, user, source: Fund) -> QuerySet:
    """Active funds in scope strictly below the source fund's unit."""
    return (
        fund_list_for_user(user=user)
        .filter(is_active=True, unit__path__startswith=source.unit.path)
        .exclude(unit_id=source.unit_id)
        .select_related("unit", "kind")
    )


def statement_page(
    *,
    fund: Fund,
    size: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str = "",
    flow: str = "",
    after: int | None = None,
    before: int | None = None,
) -> KeysetPage:
    """The fund's entries on its held accounts, newest first, each with the balance after it."""
    qs = statement_entries(fund=fund, start=start, end=end, kind=kind, flow=flow).select_related("transaction__actor")
    return keyset_page(qs, field="id", descending=True, size=size, after=after, before=before)


def statement_entries(
    *, fund: Fund, start: dt.date | None = None, end: dt.date | None = None, kind: str = "", flow: str = ""
) -> QuerySet:
    """The statement's entries for the filters of `StatementFilterForm` (the page and its export)."""
    qs = Entry.objects.held().filter(fund=fund)
    if start:
        qs = qs.filter(transaction__created_at__gte=_local_midnight(start))
    if end:
        qs = qs.filter(transaction__created_at__lt=_local_midnight(end + dt.timedelta(days=1)))
    if kind:
        qs = qs.filter(transaction__kind=kind)
    if flow:
        qs = qs.filter(moved_q(), amount__gt=0) if flow == "in" else qs.filter(moved_q(), amount__lt=0)
    return qs


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class YearRow:
    year: int
    budget: Decimal | None
    spent: Decimal

    @property
    def left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent


def budget_rows(*, fund: Fund) -> list[YearRow]:
    """Budget against money paid out, per fiscal year, newest first (two queries)."""
    budgets = dict(FiscalYear.objects.filter(fund=fund).values_list("year", "budget"))
    spent = dict(FundYearTotal.objects.filter(fund=fund).values_list("year", "paid_out"))
    years = sorted(set(budgets) | set(spent) | {timezone.localdate().year}, reverse=True)
    return [YearRow(year=y, budget=budgets.get(y), spent=spent.get(y) or ZERO) for y in years]


@dataclass
class Reconciliation:
    """opening + in − out = closing for one fund and year; every mismatch is an error."""

    year: int
    opening: Decimal
    inflow: Decimal
    outflow: Decimal
    closing: Decimal
    closing_source: str
    recorded_opening: Decimal | None
    fiscal: FiscalYear | None
    errors: list[str] = field(default_factory=list)

    @property
    def expected_closing(self) -> Decimal:
        return self.opening + self.inflow - self.outflow

    @property
    def difference(self) -> Decimal:
        return self.closing - self.expected_closing


def reconciliation_for_fund(*, fund: Fund, year: int) -> Reconciliation:
    """Rebuild the year from the entries and compare it with the recorded carry-over and the balance row."""
    start, end = year_start(year), year_start(year + 1)
    fiscal = FiscalYear.objects.filter(fund=fund, year=year).first()
    nets = (
        Entry.objects.held()
        .filter(fund=fund, transaction__created_at__gte=start, transaction__created_at__lt=end)
        .order_by()
        .values("transaction")
        .annotate(net=MoneySum("amount"))
        .values_list("net", flat=True)
    )
    nets = list(nets)
    opening = held_total(fund, start)
    if fiscal and fiscal.closing is not None:
        closing, source = fiscal.closing, _("recorded when the year was closed")
    elif timezone.now() < end:
        balance = FundBalance.objects.filter(fund=fund).first()
        closing, source = (balance.total if balance else ZERO), _("current balance")
    else:
        closing, source = held_total(fund, end), _("ledger at year end (year not closed)")
    rec = Reconciliation(
        year=year,
        opening=opening,
        inflow=sum((n for n in nets if n > 0), ZERO),
        outflow=-sum((n for n in nets if n < 0), ZERO),
        closing=closing,
        closing_source=str(source),
        recorded_opening=fiscal.opening if fiscal else None,
        fiscal=fiscal,
    )
    if rec.recorded_opening is not None and rec.recorded_opening != opening:
        rec.errors.append(
            _("The opening balance carried over (%(recorded)s) differs from the ledger (%(ledger)s).")
            % {"recorded": rec.recorded_opening, "ledger": opening}
        )
    if rec.difference:
        rec.errors.append(
            _("Opening + in − out is %(expected)s but the closing balance is %(closing)s: a difference of %(diff)s.")
            % {"expected": rec.expected_closing, "closing": closing, "diff": rec.difference}
        )
    return rec


# Aid requests: seen by whoever's scope holds the household's unit.


def aid_list_for_user(*, user) -> QuerySet:
    return AidRequest.objects.visible_to(user)


def aid_get_for_user(*, user, pk: int) -> AidRequest:
    """The request if the user may see its household; 404 whether it is out of scope or does not exist."""
    qs = aid_list_for_user(user=user).select_related(
        "file__unit", "aid_type", "fund__unit", "fund__balance", "created_by", "approver_unit", "child", "payment"
    )
    return get_object_or_404(qs, pk=pk)


def aid_detail_for_user(*, user, pk: int) -> AidRequest:
    return get_object_or_404(
        aid_list_for_user(user=user)
        .select_related(
            "file__unit",
            "aid_type",
            "fund__unit",
            "fund__balance",
            "created_by",
            "approver_unit",
            "child",
            "payment__actor",
            "topup_fund__unit",
        )
        .prefetch_related(
            "invoices", Prefetch("decisions", queryset=AidDecision.objects.select_related("actor", "on_behalf_of"))
        ),
        pk=pk,
    )


def aid_page(
    *, user, size: int, status: str = "", unit: int | None = None, quality: str = "",
    after: int | None = None, before: int | None = None,
) -> KeysetPage:  # fmt: skip
    qs = aid_filtered_for_user(user=user, status=status, unit=unit, quality=quality)
    qs = qs.select_related("file", "aid_type", "fund")
    return keyset_page(qs, field="id", descending=True, size=size, after=after, before=before)


def aid_filtered_for_user(*, user, status: str = "", unit: int | None = None, quality: str = "") -> QuerySet:
    """The requests of the aid list for its filters (the page and its export): a status, a unit with those below
    it, a data-quality check (the dashboard's links)."""
    qs = aid_list_for_user(user=user)
    if status:
        qs = qs.filter(status=status)
    if unit is not None:
        qs = qs.filter(file__unit_id__in=scope_for(user).subtree_ids(unit))
    if quality == MISSING_EVIDENCE:
        qs = qs.filter(missing_evidence_q())
    return qs


def approval_queue_for_user(*, user) -> QuerySet:
    """Requests in scope waiting for a level the user (or a chair they act for) decides, minus their own and
    the households they help (separation of duties)."""
    holders = [user]
    today = timezone.localdate()
    holders += [
        d.delegator
        for d in Delegation.objects.filter(delegate=user, starts_on__lte=today, ends_on__gte=today).select_related(
            "delegator"
        )
    ]
    mine = Q(pk__in=[])
    for holder in holders:
        for role, paths in scope_for(holder).role_paths.items():
            for path in paths:
                mine |= Q(approver_role=role, approver_unit__path__startswith=path)
    helped = PlanHelper.objects.filter(plan__file=OuterRef("file"), user__in=holders)
    return (
        with_waiting_since(aid_list_for_user(user=user))
        .filter(mine, status=AidStatus.IN_APPROVAL)
        .exclude(created_by__in=holders)
        .exclude(Exists(helped))
        .select_related("file", "aid_type", "fund", "approver_unit")
        .order_by("updated_at", "pk")
    )


# The navigation badge says "99+" beyond this: counting stops there, so the query stays cheap.
QUEUE_BADGE_CAP = 99
# A delegation starting or ending changes a queue without any request moving: counts live a minute at most.
QUEUE_COUNT_TIMEOUT = 60


def approval_queue_count(*, user) -> int:
    """How many requests wait for the user's decision, up to QUEUE_BADGE_CAP + 1: the navigation badge.

    Every page shows it, so it is cached per user until any request changes level (queue_version).
    """
    if not getattr(user, "is_authenticated", False):
        return 0
    key = f"funds:queue:{queue_version()}:{user.pk}"
    count = cache.get(key)
    if count is None:
        count = approval_queue_for_user(user=user)[: QUEUE_BADGE_CAP + 1].count()
        cache.set(key, count, QUEUE_COUNT_TIMEOUT)
    return count


def request_funds_for_user(*, user, hfile) -> QuerySet:
    """Active funds in the user's scope at the household's unit or above: the choices of a request."""
    return (
        fund_list_for_user(user=user)
        .filter(is_active=True, unit_id__in=hfile.unit.ancestor_ids())
        .select_related("unit", "balance")
    )


def document_get_for_user(*, user, pk: int) -> AidDocument:
    """A current evidence document of a request in the user's scope; 404 otherwise."""
    return get_object_or_404(AidDocument.objects.visible_to(user).current().select_related("request__file"), pk=pk)
