"""Every write to funds and the ledger: allocate, transfer down the tree, reserve, release, disburse, reverse.

Each service runs in one database transaction, locks the balance rows of the
funds it touches (in fund-id order, so two services never deadlock), re-checks
the idempotency key under that lock, refuses before writing anything when money
is short, and writes the transaction, its entries and the new balances
together. Reserve, release and disburse do not check roles: they are called by
the aid and batch services, which decide who may approve and pay.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hardship.money import ABSURD_AMOUNT, MoneySum, quantize
from org.models import Role, Unit
from org.scoping import scope_for

from ..models import (
    HELD_ACCOUNTS,
    Account,
    Entry,
    FiscalYear,
    Fund,
    FundBalance,
    FundKind,
    FundYearTotal,
    LedgerTransaction,
    Source,
    TransactionKind,
    moves_money,
)

MANAGE_ROLES = frozenset({Role.FEDERATION_STAFF, Role.BRANCH_CHAIR})
# Allocations and transfers move a year's money at once (Yunnan: 69 million yuan since
# 2021), so their ceiling is higher than an aid amount's (hardship.money.ABSURD_AMOUNT).
ALLOCATION_LIMIT = Decimal("100000000.00")
ZERO = Decimal("0.00")


class LedgerError(ValidationError):
    """A ledger operation refused with a message for the user; nothing was written."""


@dataclass(frozen=True)
class Leg:
    fund_id: int
    account: str
    amount: Decimal


def fund_may_manage(*, user, fund: Fund) -> bool:
    """Federation staff and branch chairs manage the funds of their units and below."""
    return bool(scope_for(user).roles_at(fund.unit) & MANAGE_ROLES)


def _require_manager(user, fund: Fund) -> None:
    if not fund_may_manage(user=user, fund=fund):
        raise PermissionDenied(_("Your role does not allow moving money of %(fund)s.") % {"fund": fund})


def clean_amount(value, *, limit: Decimal = ABSURD_AMOUNT) -> Decimal:
    """A positive yuan amount to the fen, no larger than `limit`; LedgerError otherwise."""
    try:
        amount = quantize(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        raise LedgerError(_("Enter an amount in yuan."), code="amount") from None
    if not amount.is_finite() or amount <= 0:
        raise LedgerError(_("The amount must be more than zero."), code="amount")
    if amount > limit:
        raise LedgerError(
            _("%(amount)s yuan is more than the %(limit)s yuan allowed at once.") % {"amount": amount, "limit": limit},
            code="amount",
        )
    return amount


def fund_ensure_balance(*, fund: Fund) -> FundBalance:
    """The fund's balance row, created at zero the first time."""
    balance, _created = FundBalance.objects.get_or_create(fund=fund)
    return balance


@transaction.atomic
def fund_create(*, unit: Unit, kind: FundKind, name: str, by) -> Fund:
    """Open a fund at a unit, with an empty balance."""
    fund = Fund(unit=unit, kind=kind, name=name.strip())
    _require_manager(by, fund)
    fund.full_clean()
    fund.save()
    fund_ensure_balance(fund=fund)
    return fund


def _lock_balances(fund_ids: set[int]) -> dict[int, FundBalance]:
    """Lock the funds' balance rows, in id order so that concurrent services never deadlock."""
    for fund_id in sorted(fund_ids):
        FundBalance.objects.get_or_create(fund_id=fund_id)
    rows = FundBalance.objects.select_for_update().filter(fund_id__in=fund_ids).order_by("fund_id")
    return {row.fund_id: row for row in rows}


def funds_lock(*funds: Fund | None) -> None:
    """Lock several funds' balance rows at once, in id order, before moving money on each in turn: two services
    doing so never deadlock."""
    _lock_balances({fund.pk for fund in funds if fund is not None})


def _repeat(key: str, kind: str, fund_ids: set[int]) -> LedgerTransaction | None:
    """The transaction already recorded under `key` (a retry), or None; refuses a key reused for something else."""
    key = key.strip()
    if not key:
        raise LedgerError(_("An operation without an idempotency key cannot be recorded."), code="key")
    done = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if done is None:
        return None
    if done.kind != kind or not fund_ids <= set(done.entries.values_list("fund_id", flat=True)):
        raise LedgerError(_("This request was already used for a different operation."), code="key")
    return done


def _shortfall(fund: Fund, account: str, have: Decimal, need: Decimal) -> LedgerError:
    if account == Account.RESERVED:
        text = _("%(fund)s has only %(have)s yuan reserved; %(need)s yuan would be needed.")
    else:
        text = _("%(fund)s has only %(have)s yuan available; %(need)s yuan would be needed.")
    return LedgerError(text % {"fund": fund, "have": have, "need": need}, code="short")


def _post(
    balances: dict[int, FundBalance],
    legs: list[Leg],
    *,
    kind: str,
    by,
    key: str,
    memo: str = "",
    source: str = "",
    reverses: LedgerTransaction | None = None,
    cause: models.Model | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction; the caller holds the balance locks."""
    if sum(leg.amount for leg in legs) != 0 or any(leg.amount == 0 for leg in legs):
        raise LedgerError(_("The entries of a transaction must balance."), code="unbalanced")
    after = {fid: {Account.AVAILABLE: b.available, Account.RESERVED: b.reserved} for fid, b in balances.items()}
    for leg in legs:
        if leg.account in HELD_ACCOUNTS:
            after[leg.fund_id][leg.account] += leg.amount
    for fund_id, held in after.items():
        for account, value in held.items():
            if value < 0:
                fund = Fund.objects.get(pk=fund_id)
                have = getattr(balances[fund_id], account)
                raise _shortfall(fund, account, have, have - value)
    try:
        with transaction.atomic():
            txn = LedgerTransaction.objects.create(
                kind=kind, memo=memo.strip()[:500], source=source, actor=by, idempotency_key=key.strip(),
                reverses=reverses, cause=cause,
            )  # fmt: skip
    except IntegrityError:
        raise LedgerError(_("This request was already used for a different operation."), code="key") from None
    running = {fid: {Account.AVAILABLE: b.available, Account.RESERVED: b.reserved} for fid, b in balances.items()}
    for leg in legs:
        if leg.account in HELD_ACCOUNTS:
            running[leg.fund_id][leg.account] += leg.amount
        Entry.objects.create(
            transaction=txn,
            fund_id=leg.fund_id,
            account=leg.account,
            amount=leg.amount,
            available_after=running[leg.fund_id][Account.AVAILABLE],
            reserved_after=running[leg.fund_id][Account.RESERVED],
        )
    for fund_id, balance in balances.items():
        balance.available, balance.reserved = after[fund_id][Account.AVAILABLE], after[fund_id][Account.RESERVED]
        balance.save(update_fields=["available", "reserved"])
    moved = moves_money(kind, reverses.kind if reverses else None)
    _add_year_totals(year_total_changes(legs, moved=moved), timezone.localdate(txn.created_at).year)
    return txn


YEAR_TOTAL_FIELDS = ("paid_out", "money_in", "money_out")


def year_total_changes(legs, *, moved: bool) -> dict[int, dict[str, Decimal]]:
    """What the legs add to each fund's `FundYearTotal`: payments to `paid_out`; when the transaction moves
    money into or out of the fund (`moved`), its held legs to `money_in` (amount > 0) or `money_out` (< 0).
    Funds the legs leave unchanged are left out. `legs` are `Leg`s or anything with the same three fields."""
    changes: dict[int, dict[str, Decimal]] = {}
    for leg in legs:
        if leg.account == Account.PAID_OUT:
            name = "paid_out"
        elif leg.account in HELD_ACCOUNTS and moved:
            name = "money_in" if leg.amount > 0 else "money_out"
        else:
            continue
        fund = changes.setdefault(leg.fund_id, dict.fromkeys(YEAR_TOTAL_FIELDS, ZERO))
        fund[name] += leg.amount
    return changes


def _add_year_totals(changes: dict[int, dict[str, Decimal]], year: int) -> None:
    """Keep each fund's totals for the year beside its entries; the caller holds the balance locks."""
    for fund_id, change in changes.items():
        # Added in Python, exact on every database; the balance lock keeps other postings of the fund out.
        total, _created = FundYearTotal.objects.get_or_create(fund_id=fund_id, year=year)
        for name, amount in change.items():
            setattr(total, name, getattr(total, name) + amount)
        total.save(update_fields=list(YEAR_TOTAL_FIELDS))


def _fresh(fund: Fund) -> Fund:
    return Fund.objects.select_related("unit").get(pk=fund.pk)


def _require_active(*funds: Fund) -> None:
    for fund in funds:
        if not fund.is_active:
            raise LedgerError(_("%(fund)s is closed.") % {"fund": fund}, code="inactive")


@transaction.atomic
def fund_allocate(*, fund: Fund, amount, source: str, by, idempotency_key: str, memo: str = "") -> LedgerTransaction:
    """Money comes into a fund from outside: finance, union funds, a donation."""
    amount = clean_amount(amount, limit=ALLOCATION_LIMIT)
    if source not in Source.values:
        raise LedgerError(_("Say where the money comes from."), code="source")
    balances = _lock_balances({fund.pk})
    if done := _repeat(idempotency_key, TransactionKind.ALLOCATION, {fund.pk}):
        return done
    fund = _fresh(fund)
    _require_manager(by, fund)
    _require_active(fund)
    legs = [Leg(fund.pk, Account.INCOME, -amount), Leg(fund.pk, Account.AVAILABLE, amount)]
    return _post(balances, legs, kind=TransactionKind.ALLOCATION, by=by, key=idempotency_key, memo=memo, source=source)


def transfer_allowed(*, user, source: Fund, target: Fund) -> bool:
    """Down the tree only: the target's unit lies strictly below the source's, and in the user's scope."""
    below = target.unit.path.startswith(source.unit.path) and target.unit_id != source.unit_id
    return below and target.unit_id in scope_for(user).unit_ids


@transaction.atomic
def fund_transfer(*, source: Fund, target: Fund, amount, by, idempotency_key: str, memo: str = "") -> LedgerTransaction:
    """Pass money down the tree, from a fund to a fund of a unit below it."""
    amount = clean_amount(amount, limit=ALLOCATION_LIMIT)
    balances = _lock_balances({source.pk, target.pk})
    if done := _repeat(idempotency_key, TransactionKind.TRANSFER, {source.pk, target.pk}):
        return done
    source, target = _fresh(source), _fresh(target)
    _require_manager(by, source)
    if not transfer_allowed(user=by, source=source, target=target):
        raise LedgerError(_("Money can only be passed down the tree, to a fund of a unit below."), code="direction")
    _require_active(source, target)
    legs = [Leg(source.pk, Account.AVAILABLE, -amount), Leg(target.pk, Account.AVAILABLE, amount)]
    return _post(balances, legs, kind=TransactionKind.TRANSFER, by=by, key=idempotency_key, memo=memo)


def _move(
    *,
    fund: Fund,
    amount,
    by,
    key: str,
    memo: str,
    cause,
    kind: str,
    debit: str,
    credit: str,
    limit: Decimal = ABSURD_AMOUNT,
) -> LedgerTransaction:
    amount = clean_amount(amount, limit=limit)
    balances = _lock_balances({fund.pk})
    if done := _repeat(key, kind, {fund.pk}):
        return done
    fund = _fresh(fund)
    if kind == TransactionKind.RESERVATION:
        _require_active(fund)
    legs = [Leg(fund.pk, debit, -amount), Leg(fund.pk, credit, amount)]
    return _post(balances, legs, kind=kind, by=by, key=key, memo=memo, cause=cause)


@transaction.atomic
def fund_reserve(
    *,
    fund: Fund,
    amount,
    by,
    idempotency_key: str,
    memo: str = "",
    cause: models.Model | None = None,
    limit: Decimal = ABSURD_AMOUNT,
) -> LedgerTransaction:
    """Set money aside for approved aid: available to reserved."""
    return _move(
        fund=fund, amount=amount, by=by, key=idempotency_key, memo=memo, cause=cause,
        kind=TransactionKind.RESERVATION, debit=Account.AVAILABLE, credit=Account.RESERVED, limit=limit,
    )  # fmt: skip


@transaction.atomic
def fund_release(
    *,
    fund: Fund,
    amount,
    by,
    idempotency_key: str,
    memo: str = "",
    cause: models.Model | None = None,
    limit: Decimal = ABSURD_AMOUNT,
) -> LedgerTransaction:
    """Give reserved money back to available (aid withdrawn or paid for less)."""
    return _move(
        fund=fund, amount=amount, by=by, key=idempotency_key, memo=memo, cause=cause,
        kind=TransactionKind.RELEASE, debit=Account.RESERVED, credit=Account.AVAILABLE, limit=limit,
    )  # fmt: skip


@transaction.atomic
def fund_disburse(
    *, fund: Fund, amount, by, idempotency_key: str, memo: str = "", cause: models.Model | None = None
) -> LedgerTransaction:
    """Pay out reserved money."""
    return _move(
        fund=fund, amount=amount, by=by, key=idempotency_key, memo=memo, cause=cause,
        kind=TransactionKind.DISBURSEMENT, debit=Account.RESERVED, credit=Account.PAID_OUT,
    )  # fmt: skip


def reversal_key(txn: LedgerTransaction) -> str:
    return f"reversal-of-{txn.pk}"


@transaction.atomic
def transaction_reverse(*, txn: LedgerTransaction, by, reason: str, for_cause: bool = False) -> LedgerTransaction:
    """Undo a transaction with its exact opposite; the only correction the ledger knows.

    A movement caused by something else (an aid request's reservation or payment, a
    batch line) is reversed only by the service that owns that cause (`for_cause=True`),
    so the request or line never falls out of step with the ledger.
    """
    if not reason.strip():
        raise LedgerError(_("Say why the transaction is reversed."), code="reason")
    legs = [Leg(e.fund_id, e.account, -e.amount) for e in Entry.objects.filter(transaction=txn).order_by("pk")]
    balances = _lock_balances({leg.fund_id for leg in legs})
    txn = LedgerTransaction.objects.get(pk=txn.pk)
    if txn.kind == TransactionKind.REVERSAL:
        raise LedgerError(_("A reversal cannot be reversed; record the movement again instead."), code="reversal")
    if LedgerTransaction.objects.filter(reverses=txn).exists():
        raise LedgerError(_("This transaction has already been reversed."), code="reversed")
    if txn.cause_type_id is not None and not for_cause:
        raise LedgerError(
            _(
                "This movement belongs to an aid request or a batch: "
                "correct it there (for a payment, reverse the payment)."
            ),
            code="caused",
        )
    for fund in Fund.objects.filter(pk__in=balances).select_related("unit"):
        _require_manager(by, fund)
    return _post(balances, legs, kind=TransactionKind.REVERSAL, by=by, key=reversal_key(txn), memo=reason, reverses=txn)


def year_start(year: int) -> dt.datetime:
    """Midnight of 1 January in the union's time zone."""
    return dt.datetime(year, 1, 1, tzinfo=timezone.get_default_timezone())


def held_total(fund: Fund, before: dt.datetime) -> Decimal:
    """The fund's available plus reserved money from the entries recorded before `before`."""
    total = (
        Entry.objects.held().filter(fund=fund, transaction__created_at__lt=before).aggregate(s=MoneySum("amount"))["s"]
    )
    return total or ZERO


@transaction.atomic
def fiscal_year_set_budget(*, fund: Fund, year: int, budget, by) -> FiscalYear:
    """Record or change a fund's budget for a year."""
    _require_manager(by, fund)
    budget = clean_amount(budget, limit=ALLOCATION_LIMIT)
    fiscal, _created = FiscalYear.objects.select_for_update().get_or_create(fund=fund, year=year)
    fiscal.budget = budget
    fiscal.save(update_fields=["budget"])
    return fiscal


@transaction.atomic
def fiscal_year_close(*, year: int, by=None, now: dt.datetime | None = None) -> list[FiscalYear]:
    """Record every fund's closing balance for `year` and carry it over as next year's opening."""
    now = now or timezone.now()
    end = year_start(year + 1)
    if now < end:
        raise LedgerError(_("The year %(year)d has not ended yet.") % {"year": year}, code="open_year")
    closed = []
    for fund in Fund.objects.order_by("pk"):
        _lock_balances({fund.pk})
        fiscal, _created = FiscalYear.objects.select_for_update().get_or_create(fund=fund, year=year)
        if fiscal.closed_at is not None:
            continue
        fiscal.closing, fiscal.closed_at, fiscal.closed_by = held_total(fund, end), now, by
        if fiscal.opening is None:
            fiscal.opening = held_total(fund, year_start(year))
        fiscal.save(update_fields=["closing", "closed_at", "closed_by", "opening"])
        FiscalYear.objects.update_or_create(fund=fund, year=year + 1, defaults={"opening": fiscal.closing})
        closed.append(fiscal)
    return closed
