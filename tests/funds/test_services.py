"""The ledger services: every movement, every refusal, and the books still balance after each."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from funds.models import Account, Entry, FiscalYear, FundBalance, LedgerTransaction, TransactionKind
from funds.services import (
    ALLOCATION_LIMIT,
    LedgerError,
    fiscal_year_close,
    fiscal_year_set_budget,
    fund_allocate,
    fund_disburse,
    fund_release,
    fund_reserve,
    fund_transfer,
    transaction_reverse,
)
from hardship.money import ABSURD_AMOUNT
from tests.factories import FundFactory, funded

from .helpers import assert_ledger_consistent, ledger_snapshot

pytestmark = pytest.mark.django_db

D = Decimal


def balance(fund) -> tuple[Decimal, Decimal]:
    row = FundBalance.objects.get(fund=fund)
    return row.available, row.reserved


@pytest.fixture
def fed_fund(federation, federation_staff):
    return funded(federation, "10000.00", by=federation_staff)


@pytest.fixture
def branch_fund(branch_a):
    return FundFactory(unit=branch_a)


class TestAllocate:
    def test_allocation_credits_available_and_records_source_and_actor(self, federation, federation_staff):
        fund = FundFactory(unit=federation)
        txn = fund_allocate(
            fund=fund, amount=D("500.005"), source="donation", by=federation_staff, idempotency_key="k1", memo="捐赠"
        )
        assert balance(fund) == (D("500.01"), D("0"))
        assert (txn.kind, txn.source, txn.actor, txn.memo) == ("allocation", "donation", federation_staff, "捐赠")
        assert sorted(txn.entries.values_list("account", "amount")) == [
            (Account.AVAILABLE, D("500.01")),
            (Account.INCOME, D("-500.01")),
        ]
        assert_ledger_consistent()

    def test_same_idempotency_key_twice_makes_one_transaction(self, federation, federation_staff):
        fund = FundFactory(unit=federation)
        first = fund_allocate(fund=fund, amount=D("100"), source="finance", by=federation_staff, idempotency_key="k")
        again = fund_allocate(fund=fund, amount=D("100"), source="finance", by=federation_staff, idempotency_key="k")
        assert first.pk == again.pk
        assert LedgerTransaction.objects.count() == 1
        assert balance(fund) == (D("100.00"), D("0"))

    def test_key_reused_for_another_operation_is_refused(self, fed_fund, federation_staff):
        fund_reserve(fund=fed_fund, amount=D("10"), by=federation_staff, idempotency_key="aid-1")
        before = ledger_snapshot()
        with pytest.raises(LedgerError, match="different operation"):
            fund_disburse(fund=fed_fund, amount=D("10"), by=federation_staff, idempotency_key="aid-1")
        assert ledger_snapshot() == before

    @pytest.mark.parametrize("amount", [D("0"), D("-5"), D("0.001"), "abc", None, ALLOCATION_LIMIT + 1])
    def test_bad_amounts_are_refused_and_nothing_changes(self, fed_fund, federation_staff, amount):
        before = ledger_snapshot()
        with pytest.raises(LedgerError):
            fund_allocate(fund=fed_fund, amount=amount, source="finance", by=federation_staff, idempotency_key="x")
        assert ledger_snapshot() == before

    def test_unknown_source_is_refused(self, fed_fund, federation_staff):
        with pytest.raises(LedgerError, match="comes from"):
            fund_allocate(fund=fed_fund, amount=D("1"), source="lottery", by=federation_staff, idempotency_key="x")

    def test_cadre_cannot_allocate_even_to_own_unit(self, group_a1, cadre):
        fund = FundFactory(unit=group_a1)
        with pytest.raises(PermissionDenied):
            fund_allocate(fund=fund, amount=D("1"), source="finance", by=cadre, idempotency_key="x")
        assert not LedgerTransaction.objects.exists()

    def test_chair_allocates_to_own_branch_but_not_to_the_federation(self, branch_fund, fed_fund, branch_chair):
        fund_allocate(fund=branch_fund, amount=D("50"), source="donation", by=branch_chair, idempotency_key="a")
        with pytest.raises(PermissionDenied):
            fund_allocate(fund=fed_fund, amount=D("50"), source="donation", by=branch_chair, idempotency_key="b")

    def test_closed_fund_takes_no_money(self, federation, federation_staff):
        fund = FundFactory(unit=federation, is_active=False)
        with pytest.raises(LedgerError, match="closed"):
            fund_allocate(fund=fund, amount=D("1"), source="finance", by=federation_staff, idempotency_key="x")


class TestTransfer:
    def test_federation_passes_money_down_to_a_branch_and_a_group(
        self, fed_fund, branch_fund, group_a1, federation_staff
    ):
        group_fund = FundFactory(unit=group_a1)
        fund_transfer(source=fed_fund, target=branch_fund, amount=D("3000"), by=federation_staff, idempotency_key="t1")
        fund_transfer(source=fed_fund, target=group_fund, amount=D("1000"), by=federation_staff, idempotency_key="t2")
        assert balance(fed_fund) == (D("6000.00"), D("0"))
        assert balance(branch_fund) == (D("3000.00"), D("0"))
        assert balance(group_fund) == (D("1000.00"), D("0"))
        assert_ledger_consistent()

    def test_chair_passes_branch_money_to_own_group(self, branch_a, group_a1, branch_chair):
        source = funded(branch_a, "100")
        target = FundFactory(unit=group_a1)
        fund_transfer(source=source, target=target, amount=D("40"), by=branch_chair, idempotency_key="t")
        assert balance(target) == (D("40.00"), D("0"))

    @pytest.mark.parametrize("where", ["sideways", "upwards", "same unit"])
    def test_transfer_not_down_the_tree_is_refused(self, where, branch_a, branch_b, federation, federation_staff):
        source = funded(branch_a, "100")
        target_unit = {"sideways": branch_b, "upwards": federation, "same unit": branch_a}[where]
        target = FundFactory(unit=target_unit)
        before = ledger_snapshot()
        with pytest.raises(LedgerError, match="down the tree"):
            fund_transfer(source=source, target=target, amount=D("1"), by=federation_staff, idempotency_key="t")
        assert ledger_snapshot() == before

    def test_chair_cannot_transfer_into_another_branch(self, branch_a, group_b1, branch_chair):
        source = funded(branch_a, "100")
        target = FundFactory(unit=group_b1)
        with pytest.raises(LedgerError):
            fund_transfer(source=source, target=target, amount=D("1"), by=branch_chair, idempotency_key="t")

    def test_chair_cannot_move_federation_money(self, fed_fund, branch_fund, branch_chair):
        with pytest.raises(PermissionDenied):
            fund_transfer(source=fed_fund, target=branch_fund, amount=D("1"), by=branch_chair, idempotency_key="t")

    def test_transfer_of_more_than_available_is_refused(self, fed_fund, branch_fund, federation_staff):
        fund_reserve(fund=fed_fund, amount=D("9000"), by=federation_staff, idempotency_key="r")
        before = ledger_snapshot()
        with pytest.raises(LedgerError, match="only 1000.00 yuan available"):
            fund_transfer(
                source=fed_fund, target=branch_fund, amount=D("1000.01"), by=federation_staff, idempotency_key="t"
            )
        assert ledger_snapshot() == before


class TestReserveReleaseDisburse:
    def test_reserve_then_disburse_pays_from_reserved(self, fed_fund, federation_staff):
        fund_reserve(fund=fed_fund, amount=D("2000"), by=federation_staff, idempotency_key="r1")
        assert balance(fed_fund) == (D("8000.00"), D("2000.00"))
        fund_disburse(fund=fed_fund, amount=D("1500"), by=federation_staff, idempotency_key="d1")
        fund_release(fund=fed_fund, amount=D("500"), by=federation_staff, idempotency_key="l1")
        assert balance(fed_fund) == (D("8500.00"), D("0.00"))
        assert Entry.objects.filter(fund=fed_fund, account=Account.PAID_OUT).get().amount == D("1500.00")
        assert_ledger_consistent()

    def test_transaction_records_what_caused_it(self, fed_fund, federation_staff, file_a1):
        txn = fund_reserve(fund=fed_fund, amount=D("5"), by=federation_staff, idempotency_key="r", cause=file_a1)
        assert LedgerTransaction.objects.get(pk=txn.pk).cause == file_a1

    def test_reserving_more_than_available_is_refused(self, fed_fund, federation_staff):
        before = ledger_snapshot()
        with pytest.raises(LedgerError, match="only 10000.00 yuan available"):
            fund_reserve(fund=fed_fund, amount=D("10000.01"), by=federation_staff, idempotency_key="r")
        assert ledger_snapshot() == before

    def test_disbursing_more_than_reserved_is_refused(self, fed_fund, federation_staff):
        fund_reserve(fund=fed_fund, amount=D("100"), by=federation_staff, idempotency_key="r")
        before = ledger_snapshot()
        with pytest.raises(LedgerError, match="only 100.00 yuan reserved"):
            fund_disburse(fund=fed_fund, amount=D("100.01"), by=federation_staff, idempotency_key="d")
        with pytest.raises(LedgerError, match="reserved"):
            fund_release(fund=fed_fund, amount=D("200"), by=federation_staff, idempotency_key="l")
        assert ledger_snapshot() == before

    @pytest.mark.parametrize("amount", [D("0"), D("-1"), ABSURD_AMOUNT + D("0.01")])
    def test_bad_aid_amounts_are_refused(self, fed_fund, federation_staff, amount):
        before = ledger_snapshot()
        for service in (fund_reserve, fund_release, fund_disburse):
            with pytest.raises(LedgerError):
                service(fund=fed_fund, amount=amount, by=federation_staff, idempotency_key="x")
        assert ledger_snapshot() == before

    def test_retried_payment_pays_once(self, fed_fund, federation_staff):
        fund_reserve(fund=fed_fund, amount=D("300"), by=federation_staff, idempotency_key="r")
        for _ in range(3):
            fund_disburse(fund=fed_fund, amount=D("300"), by=federation_staff, idempotency_key="pay-aid-7")
        assert LedgerTransaction.objects.filter(kind=TransactionKind.DISBURSEMENT).count() == 1
        assert balance(fed_fund) == (D("9700.00"), D("0.00"))

    def test_empty_key_is_refused(self, fed_fund, federation_staff):
        with pytest.raises(LedgerError):
            fund_reserve(fund=fed_fund, amount=D("1"), by=federation_staff, idempotency_key=" ")


class TestReverse:
    def test_reversal_undoes_a_transfer(self, fed_fund, branch_fund, federation_staff):
        txn = fund_transfer(
            source=fed_fund, target=branch_fund, amount=D("700"), by=federation_staff, idempotency_key="t"
        )
        reversal = transaction_reverse(txn=txn, by=federation_staff, reason="录错了")
        assert (reversal.kind, reversal.reverses, reversal.memo) == ("reversal", txn, "录错了")
        assert balance(fed_fund) == (D("10000.00"), D("0.00"))
        assert balance(branch_fund) == (D("0.00"), D("0.00"))
        assert_ledger_consistent()

    def test_reversal_of_a_reversal_is_refused(self, fed_fund, federation_staff):
        txn = fund_reserve(fund=fed_fund, amount=D("5"), by=federation_staff, idempotency_key="r")
        reversal = transaction_reverse(txn=txn, by=federation_staff, reason="x")
        before = ledger_snapshot()
        with pytest.raises(LedgerError, match="reversal cannot be reversed"):
            transaction_reverse(txn=reversal, by=federation_staff, reason="y")
        assert ledger_snapshot() == before

    def test_double_reversal_is_refused(self, fed_fund, federation_staff):
        txn = fund_reserve(fund=fed_fund, amount=D("5"), by=federation_staff, idempotency_key="r")
        transaction_reverse(txn=txn, by=federation_staff, reason="x")
        before = ledger_snapshot()
        with pytest.raises(LedgerError, match="already been reversed"):
            transaction_reverse(txn=txn, by=federation_staff, reason="again")
        assert ledger_snapshot() == before

    def test_reversal_that_would_overdraw_is_refused(self, fed_fund, branch_fund, federation_staff, branch_chair):
        txn = fund_transfer(
            source=fed_fund, target=branch_fund, amount=D("700"), by=federation_staff, idempotency_key="t"
        )
        fund_reserve(fund=branch_fund, amount=D("600"), by=branch_chair, idempotency_key="r")
        before = ledger_snapshot()
        with pytest.raises(LedgerError, match="only 100.00 yuan available"):
            transaction_reverse(txn=txn, by=federation_staff, reason="x")
        assert ledger_snapshot() == before

    def test_reversal_needs_a_reason(self, fed_fund, federation_staff):
        txn = fund_reserve(fund=fed_fund, amount=D("5"), by=federation_staff, idempotency_key="r")
        with pytest.raises(LedgerError, match="why"):
            transaction_reverse(txn=txn, by=federation_staff, reason="  ")

    def test_chair_cannot_reverse_a_federation_transfer(self, fed_fund, branch_fund, federation_staff, branch_chair):
        txn = fund_transfer(
            source=fed_fund, target=branch_fund, amount=D("7"), by=federation_staff, idempotency_key="t"
        )
        with pytest.raises(PermissionDenied):
            transaction_reverse(txn=txn, by=branch_chair, reason="x")


class TestFiscalYear:
    def test_close_records_closing_and_carries_it_over(self, federation, federation_staff):
        fund = FundFactory(unit=federation)
        fiscal_year_set_budget(fund=fund, year=2025, budget=D("5000"), by=federation_staff)
        fund_allocate(fund=fund, amount=D("800"), source="finance", by=federation_staff, idempotency_key="a")
        year = timezone.localdate().year
        now = timezone.now()
        with pytest.raises(LedgerError, match="not ended"):
            fiscal_year_close(year=year, now=now)
        closed = fiscal_year_close(year=year, now=now.replace(year=year + 1))
        assert [(f.fund, f.opening, f.closing) for f in closed] == [(fund, D("0"), D("800.00"))]
        assert FiscalYear.objects.get(fund=fund, year=year + 1).opening == D("800.00")
        assert fiscal_year_close(year=year, now=now.replace(year=year + 1)) == []  # closing twice changes nothing

    def test_command_closes_a_past_year(self, fed_fund):
        call_command("close_fiscal_year", "2020")
        fiscal = FiscalYear.objects.get(fund=fed_fund, year=2020)
        assert fiscal.closing == D("0") and fiscal.closed_at is not None
        assert FiscalYear.objects.get(fund=fed_fund, year=2021).opening == D("0")

    def test_budget_must_be_positive_and_set_by_a_manager(self, fed_fund, federation_staff, cadre):
        with pytest.raises(LedgerError):
            fiscal_year_set_budget(fund=fed_fund, year=2026, budget=D("-1"), by=federation_staff)
        with pytest.raises(PermissionDenied):
            fiscal_year_set_budget(fund=fed_fund, year=2026, budget=D("1"), by=cadre)


def test_year_start_is_local_midnight():
    from funds.services import year_start

    assert year_start(2026).utcoffset() == dt.timedelta(hours=8)
