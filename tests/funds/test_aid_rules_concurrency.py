"""The aid rules under concurrent requests, on PostgreSQL: each thread has its own connection.

Two levels asking for the same household, type and occasion at the same moment
get one request, not two (the household's row lock). Many approvals and
payments drawing top-ups from one warm fund never overdraw it. Requests whose
amount and top-up come from the same two funds the other way round never
deadlock: both balance rows are locked in fund-id order first (funds_lock).
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funds.models import Account, AidRequest, Entry, FundKind
from funds.services import LedgerError, aid_request_create, aid_request_decide, aid_request_pay
from funds.workflow import AidStatus
from hardship.money import MoneySum
from org.models import Role
from tests.concurrency import race
from tests.factories import UserFactory, funded

from .helpers import aid_type, assert_ledger_consistent, filed_household, medical, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
D = Decimal


def test_two_levels_asking_for_the_same_occasion_at_once_make_one_request(group_a1, federation, cadre):
    household = filed_household(group_a1)
    federation_cadre = UserFactory(roles=[(federation, Role.CADRE)])
    funds = [funded(group_a1, "5000.00", name="group"), funded(federation, "5000.00", name="federation")]
    people = [cadre, federation_cadre]

    def ask(i: int) -> AidRequest:
        data = medical(funds[i % 2], "2000.00", invoices=())
        data.aid_type, data.occasion = aid_type("living"), "2026 flood"
        return aid_request_create(hfile=household, data=data, by=people[i % 2])

    results = race(8, ask)
    made = [r for r in results if isinstance(r, AidRequest)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 7, results
    assert all("already has" in r.message_dict["duplicate_reason"][0] for r in refused)
    assert AidRequest.objects.count() == 1


@pytest.fixture
def warm_kind(db):
    """The medical rule capped at 1,000 a request, topped up from a warm-fund sub-fund to 1,300 in all."""
    rule = aid_type("medical").rule
    rule.per_request_cap, rule.combined_cap, rule.topup_percent = D("1000"), D("1300"), D("100")
    rule.topup_kind = FundKind.objects.get(code="warm-sub-fund")
    rule.save()
    return rule.topup_kind


def _submitted(group, cadre, pairs) -> list[AidRequest]:
    """One submitted request per (fund, top-up fund): 1,000 yuan and a 300-yuan top-up."""
    requests = []
    for i, (fund, warm) in enumerate(pairs):
        data = medical(fund, "1000.00", invoices=[f"W-{i}"])
        data.topup_fund, data.topup_amount = warm, D("300.00")
        requests.append(submit(aid_request_create(hfile=filed_household(group), data=data, by=cadre), cadre))
    return requests


def _approve_and_pay(requests, chair):
    def work(i: int) -> AidRequest:
        request = aid_request_decide(request=requests[i], action="approve", by=chair)
        return aid_request_pay(request=request, by=chair, idempotency_key=f"w-{i}")

    return work


def test_top_ups_from_one_warm_fund_never_overdraw_it(group_a1, cadre, branch_chair, warm_kind):
    first = funded(group_a1, "20000.00", name="first")
    warm = funded(group_a1, "1500.00", name="warm", kind=warm_kind)  # five top-ups of 300
    second = funded(group_a1, "20000.00", name="second")
    requests = _submitted(group_a1, cadre, [((first, second)[i % 2], warm) for i in range(12)])
    results = race(12, _approve_and_pay(requests, branch_chair))
    paid = [r for r in results if isinstance(r, AidRequest)]
    refused = [r for r in results if isinstance(r, LedgerError)]
    assert len(paid) == 5 and len(refused) == 7, results
    assert all("warm has only" in r.messages[0] for r in refused)

    def paid_out(fund) -> Decimal:
        return Entry.objects.filter(fund=fund, account=Account.PAID_OUT).aggregate(s=MoneySum("amount"))["s"] or 0

    assert paid_out(warm) == D("1500.00")
    assert paid_out(first) + paid_out(second) == D("5000.00")
    assert AidRequest.objects.filter(status=AidStatus.PAID).count() == 5
    assert AidRequest.objects.filter(status=AidStatus.IN_APPROVAL).count() == 7
    assert_ledger_consistent()


def test_amount_and_top_up_from_the_same_two_funds_the_other_way_round_never_deadlock(
    group_a1, cadre, branch_chair, warm_kind
):
    one = funded(group_a1, "20000.00", name="one", kind=warm_kind)
    two = funded(group_a1, "20000.00", name="two", kind=warm_kind)
    requests = _submitted(group_a1, cadre, [((one, two), (two, one))[i % 2] for i in range(12)])
    results = race(12, _approve_and_pay(requests, branch_chair))
    assert all(isinstance(r, AidRequest) and r.status == AidStatus.PAID for r in results), results
    assert_ledger_consistent()
