"""Many approvals and payments of different aid requests against one fund at once, on PostgreSQL.

Each thread has its own connection; it approves its request (which reserves the
money) and pays it twice with the same key, as a double click does. The fund
pays at most what it held and no request is paid twice.
"""

from decimal import Decimal

import pytest

from funds.models import Account, AidRequest, Entry, LedgerTransaction, TransactionKind
from funds.services import LedgerError, aid_request_create, aid_request_decide, aid_request_pay
from funds.workflow import AidStatus
from hardship.money import MoneySum
from tests.concurrency import race
from tests.factories import funded

from .helpers import assert_ledger_consistent, filed_household, medical, submit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 24
HELD = Decimal("10000.00")
AID = Decimal("1500.00")


def _approve_and_pay(request, chair, i: int):
    request = aid_request_decide(request=request, action="approve", by=chair)
    paid = aid_request_pay(request=request, by=chair, idempotency_key=f"click-{i}")
    again = aid_request_pay(request=request, by=chair, idempotency_key=f"click-{i}")
    assert again.payment_id == paid.payment_id
    return paid


@pytest.mark.postgres
def test_twenty_four_threads_approve_and_pay_against_one_fund(group_a1, cadre, branch_chair):
    fund = funded(group_a1, HELD)
    requests = [
        submit(
            aid_request_create(hfile=filed_household(group_a1), data=medical(fund, invoices=[f"INV-{i}"]), by=cadre),
            cadre,
        )
        for i in range(THREADS)
    ]
    results = race(THREADS, lambda i: _approve_and_pay(requests[i], branch_chair, i))

    paid = [r for r in results if isinstance(r, AidRequest)]
    refused = [r for r in results if isinstance(r, LedgerError)]
    assert len(paid) + len(refused) == THREADS, results
    assert len(paid) == int(HELD // AID) == 6
    assert all("available" in r.messages[0] for r in refused)
    assert AidRequest.objects.filter(status=AidStatus.PAID).count() == 6
    assert AidRequest.objects.filter(status=AidStatus.IN_APPROVAL).count() == THREADS - 6
    paid_out = Entry.objects.filter(fund=fund, account=Account.PAID_OUT).aggregate(s=MoneySum("amount"))["s"]
    assert paid_out == AID * 6 <= HELD
    disbursed = LedgerTransaction.objects.filter(kind=TransactionKind.DISBURSEMENT)
    assert sorted(disbursed.values_list("cause_id", flat=True)) == sorted(r.pk for r in paid)
    assert_ledger_consistent()
