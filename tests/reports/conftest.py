"""Reports tests: a federation with two years of households, visits, aid and money; today is 16 March 2026."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.models import Cause, Tier
from cases.workflow import FileStatus
from funds.services import aid_request_create, aid_request_decide, aid_request_pay, fund_allocate
from org.models import Role
from tests.factories import FundFactory, HardshipFileFactory, UserFactory, VisitFactory
from tests.funds.helpers import medical, submit

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI)


def at(day: str):
    """The clock at 10:00 on `day` (YYYY-MM-DD), Shanghai time."""
    return time_machine.travel(dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=SHANGHAI), tick=False)


@pytest.fixture(autouse=True)
def _reports_in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def filed(unit, filed_on: str, status: str = FileStatus.FILED, **dates):
    tier = Tier.objects.order_by("order").first()
    days = {k: dt.date.fromisoformat(v) for k, v in dates.items()}
    return HardshipFileFactory(
        unit=unit, status=status, filed_on=dt.date.fromisoformat(filed_on), tier=tier, name=f"户{filed_on}", **days
    )


@pytest.fixture
def year_data(frozen, federation, group_a1, group_a2, group_b1, branch_a, federation_staff, cadre):
    """2025 in figures: on file 1 Jan 2, newly filed 2, relieved 1, closed 1, on file 31 Dec 2; and 2024 before it."""
    f1 = filed(group_a1, "2024-05-01")
    f2 = filed(group_a1, "2025-02-10", FileStatus.RELIEVED, relieved_on="2025-11-20", transition_ends_on="2030-11-20")
    f3 = filed(group_a2, "2023-06-01", FileStatus.CLOSED, closed_on="2025-04-01")
    f4 = filed(group_b1, "2025-07-01")
    HardshipFileFactory(unit=group_a1, name="草稿户")  # a draft: in no figure
    illness = Cause.objects.get(code="illness")
    f4.file_causes.update(cause=illness)
    VisitFactory(file=f1, visited_on=dt.date(2025, 3, 5), outcome="improved")
    VisitFactory(file=f1, visited_on=dt.date(2025, 4, 5), outcome="no_change")
    VisitFactory(file=f4, visited_on=dt.date(2025, 8, 1), outcome="declined")
    VisitFactory(file=f1, visited_on=dt.date(2024, 6, 1), outcome="no_change")
    with at("2024-03-01"):
        federation_fund = FundFactory(unit=federation, name="市总帮扶资金")
        fund_allocate(fund=federation_fund, amount=Decimal("10000"), source="finance", by=federation_staff,
                      idempotency_key="fed-2024")  # fmt: skip
    with at("2025-05-01"):
        fund = FundFactory(unit=group_a1, name="甲一帮扶资金")
        fund_allocate(fund=fund, amount=Decimal("5000"), source="finance", by=federation_staff, idempotency_key="a1")
    chair = UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])
    with at("2025-06-01"):
        aid = aid_request_create(hfile=f1, data=medical(fund), by=cadre)
        aid = submit(aid, cadre)
        aid = aid_request_decide(request=aid, action="approve", by=chair)
        aid_request_pay(request=aid, by=chair, idempotency_key="pay-1")
    return {"f1": f1, "f2": f2, "f3": f3, "f4": f4, "fund": fund, "federation_fund": federation_fund}
