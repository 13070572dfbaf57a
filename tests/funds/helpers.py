"""The ledger's invariants, checked from the rows themselves."""

from decimal import Decimal

from django.db.models import Count, Sum

from funds.models import Account, Entry, FundBalance, LedgerTransaction
from tests.factories import funded


def assert_ledger_consistent() -> None:
    """Every transaction balances; every fund's balance row equals the sum of its entries and is not negative."""
    unbalanced = Entry.objects.values("transaction").annotate(s=Sum("amount")).exclude(s=0)
    assert not list(unbalanced), list(unbalanced)
    assert not LedgerTransaction.objects.annotate(n=Count("entries")).filter(n__lt=2).exists()
    sums = {
        (row["fund"], row["account"]): row["s"]
        for row in Entry.objects.order_by().values("fund", "account").annotate(s=Sum("amount"))
    }
    for balance in FundBalance.objects.all():
        assert balance.available == sums.get((balance.fund_id, Account.AVAILABLE), Decimal("0")), balance
        assert balance.reserved == sums.get((balance.fund_id, Account.RESERVED), Decimal("0")), balance
        assert balance.available >= 0 and balance.reserved >= 0, balance


def ledger_snapshot() -> tuple:
    """Everything a refused operation must leave unchanged."""
    return (
        list(LedgerTransaction.objects.order_by("pk").values_list("pk", flat=True)),
        list(Entry.objects.order_by("pk").values_list("pk", flat=True)),
        list(FundBalance.objects.order_by("fund_id").values_list("fund_id", "available", "reserved")),
    )


# URL arguments for tests/test_url_matrix.py: a fund of the matrix file's unit, holding money.


def fund_args(hfile) -> list[int]:
    return [funded(hfile.unit).pk]


def fund_year_args(hfile) -> list[int]:
    return [funded(hfile.unit).pk, 2026]


def transaction_args(hfile) -> list[int]:
    fund = funded(hfile.unit)
    return [fund.pk, fund.entries.first().transaction_id]
