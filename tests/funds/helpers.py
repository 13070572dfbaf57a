"""The ledger's invariants, checked from the rows themselves."""

from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from funds.models import HELD_ACCOUNTS, Account, Entry, FundBalance, FundYearTotal, LedgerTransaction, moved_q
from funds.services.ledger import YEAR_TOTAL_FIELDS, ZERO
from hardship.money import MoneySum
from tests.factories import funded


def assert_ledger_consistent() -> None:
    """Every transaction balances; every fund's balance row equals the sum of its entries and is not negative;
    every fund's year totals (paid out, money in, money out) equal its entries of the year."""
    unbalanced = Entry.objects.values("transaction").annotate(s=MoneySum("amount")).exclude(s=0)
    assert not list(unbalanced), list(unbalanced)
    assert not LedgerTransaction.objects.annotate(n=Count("entries")).filter(n__lt=2).exists()
    sums = {
        (row["fund"], row["account"]): row["s"]
        for row in Entry.objects.order_by().values("fund", "account").annotate(s=MoneySum("amount"))
    }
    assert kept_year_totals() == year_totals_from_entries()
    for balance in FundBalance.objects.all():
        assert balance.available == sums.get((balance.fund_id, Account.AVAILABLE), Decimal("0")), balance
        assert balance.reserved == sums.get((balance.fund_id, Account.RESERVED), Decimal("0")), balance
        assert balance.available >= 0 and balance.reserved >= 0, balance


def year_totals_from_entries() -> dict:
    """{(fund, year): (paid out, money in, money out)} from the entries, the year the transaction's local one:
    payments; the held accounts' positive and negative entries, leaving out moves between a fund's own accounts
    (funds.models.moved_q). Years whose totals are all zero are left out."""
    held = Q(account__in=HELD_ACCOUNTS) & moved_q()
    rows = (
        Entry.objects.annotate(year=ExtractYear("transaction__created_at"))
        .order_by()
        .values("fund", "year")
        .annotate(
            paid_out=MoneySum("amount", filter=Q(account=Account.PAID_OUT)),
            money_in=MoneySum("amount", filter=held & Q(amount__gt=0)),
            money_out=MoneySum("amount", filter=held & Q(amount__lt=0)),
        )
    )
    sums = {(r["fund"], r["year"]): tuple(r[f] or ZERO for f in YEAR_TOTAL_FIELDS) for r in rows}
    return {key: value for key, value in sums.items() if any(value)}


def kept_year_totals() -> dict:
    """{(fund, year): (paid out, money in, money out)} as FundYearTotal keeps them, all-zero years left out."""
    kept = {(t.fund_id, t.year): tuple(getattr(t, f) for f in YEAR_TOTAL_FIELDS) for t in FundYearTotal.objects.all()}
    return {key: value for key, value in kept.items() if any(value)}


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


# Aid requests: a filed household of group A1 and a fund of its unit holding money.


def aid_type(code: str):
    from funds.models import AidType

    return AidType.objects.get(code=code)


def medical(fund, amount: str = "1500.00", invoices=("INV-1",), **facts):
    """Medical facts whose suggestion is 1,500.00 yuan: 10,000 out of pocket, 5,000 of it at 30%."""
    from funds.services import AidData

    values = {"total_cost": Decimal("20000"), "insurance": Decimal("8000"), "other_aid": Decimal("2000"), **facts}
    return AidData(
        aid_type=aid_type("medical"), fund=fund, requested_amount=Decimal(amount), invoice_numbers=list(invoices),
        **values,
    )  # fmt: skip


def complete_evidence(request, by):
    """Every required item of the request's checklist present (a PDF copy, or the original seen on paper)."""
    from funds.demo import demo_evidence

    return demo_evidence(request, by)


def submit(request, by):
    """Complete the request's evidence checklist, then submit it."""
    from funds.services import aid_request_submit

    return aid_request_submit(request=complete_evidence(request, by), by=by)


def filed_household(unit):
    from cases.workflow import FileStatus
    from tests.factories import HardshipFileFactory

    return HardshipFileFactory(unit=unit, status=FileStatus.FILED)


# URL arguments for tests/test_url_matrix.py: an aid request of the matrix file (made filed), by its cadre.


def _aid_for(hfile, *, paid: bool = False):
    from cases.workflow import FileStatus
    from funds.services import aid_request_create, aid_request_decide, aid_request_pay
    from org.models import Role, Unit
    from tests.factories import UserFactory

    type(hfile).objects.filter(pk=hfile.pk).update(status=FileStatus.FILED)
    hfile.refresh_from_db()
    aid = aid_request_create(hfile=hfile, data=medical(funded(hfile.unit, "5000.00")), by=hfile.created_by)
    if paid:
        branch = Unit.objects.get(pk=hfile.unit.parent_id)
        chair = UserFactory(roles=[(branch, Role.BRANCH_CHAIR)])
        aid = submit(aid, hfile.created_by)
        aid = aid_request_decide(request=aid, action="approve", by=chair)
        aid = aid_request_pay(request=aid, by=chair, idempotency_key="matrix")
    return aid


def aid_args(hfile) -> list[int]:
    return [_aid_for(hfile).pk]


def paid_aid_args(hfile) -> list[int]:
    return [_aid_for(hfile, paid=True).pk]


def aid_decide_args(hfile) -> list:
    return [_aid_for(hfile).pk, "approve"]


def _document_for(hfile):
    from funds.models import AidDocument

    aid = _aid_for(hfile)
    complete_evidence(aid, hfile.created_by)
    return AidDocument.objects.filter(request=aid, on_paper=False).first()


def document_args(hfile) -> list[int]:
    return [_document_for(hfile).pk]


def document_remove_args(hfile) -> list[int]:
    document = _document_for(hfile)
    return [document.request_id, document.pk]
