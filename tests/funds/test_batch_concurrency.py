"""Condolence batches under concurrent clicks, on PostgreSQL with one connection per thread.

Several people mark the same households delivered at once (double clicks with
the same key, and different people with their own): each line is paid exactly
once. Two batches approved at once against a fund that can hold only one of
them: one is reserved, the other refused, and nothing is left half done.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funds.models import Account, BatchLine, BatchStatus, CondolenceBatch, Entry, LedgerTransaction, LineStatus
from funds.models import TransactionKind as Kind
from funds.services import LedgerError, batch_approve, batch_line_deliver
from hardship.money import MoneySum
from org.models import Role
from tests.concurrency import race
from tests.factories import UserFactory, funded

from .batch_helpers import chair_of, household, make_batch, today
from .helpers import assert_ledger_consistent

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.postgres]

LINES = 4
CLICKS_PER_LINE = 5


@pytest.mark.parametrize("keys", ["double_click", "different_people"])
def test_concurrent_delivery_clicks_pay_each_line_once(group_a1, branch_a, cadre, keys):
    for _ in range(LINES):
        household(group_a1, 0)
    fund = funded(branch_a, "10000.00")
    batch = batch_approve(batch=make_batch(branch_a, fund, chair_of(branch_a)), by=chair_of(branch_a))
    lines = list(batch.lines.order_by("pk"))

    def click(i: int):
        key = "same" if keys == "double_click" else f"person-{i}"
        return batch_line_deliver(
            line=lines[i % LINES], by=cadre, delivered_on=today(), received_by="本人", idempotency_key=key
        )

    results = race(LINES * CLICKS_PER_LINE, click)

    delivered = [r for r in results if isinstance(r, BatchLine)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(delivered) + len(refused) == len(results), results
    if keys == "double_click":
        assert len(delivered) == len(results)  # every repeat answers with the one delivery
    else:
        assert len(delivered) == LINES and all("already recorded" in r.messages[0] for r in refused)
    assert BatchLine.objects.filter(status=LineStatus.DELIVERED).count() == LINES
    payments = LedgerTransaction.objects.filter(kind=Kind.DISBURSEMENT)
    assert sorted(payments.values_list("cause_id", flat=True)) == [line.pk for line in lines]
    paid = Entry.objects.filter(fund=fund, account=Account.PAID_OUT).aggregate(s=MoneySum("amount"))["s"]
    assert paid == Decimal("500.00") * LINES
    assert_ledger_consistent()


def test_two_batches_approved_at_once_against_a_fund_that_holds_one(federation, group_a1, group_b1):
    household(group_a1, 0), household(group_b1, 0)
    fund = funded(federation, "800.00")
    branches = (group_a1.parent, group_b1.parent)
    creator, approver = (UserFactory(roles=[(federation, Role.FEDERATION_STAFF)]) for _ in range(2))
    batches = [make_batch(branch, fund, creator) for branch in branches]

    results = race(2, lambda i: batch_approve(batch=batches[i], by=approver))

    approved = [r for r in results if isinstance(r, CondolenceBatch)]
    refused = [r for r in results if isinstance(r, LedgerError)]
    assert len(approved) == 1 and len(refused) == 1, results
    assert "has only 300.00 yuan available; 500.00 yuan would be needed" in refused[0].messages[0]
    statuses = sorted(CondolenceBatch.objects.values_list("status", flat=True))
    assert statuses == [BatchStatus.APPROVED, BatchStatus.DRAFT]
    assert LedgerTransaction.objects.filter(kind=Kind.RESERVATION).count() == 1
    fund.balance.refresh_from_db()
    assert (fund.balance.available, fund.balance.reserved) == (Decimal("300.00"), Decimal("500.00"))
    assert_ledger_consistent()
