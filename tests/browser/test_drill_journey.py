"""Federation staff follow figures of the annual summary to what is behind them: a visit figure to its
households, an aid figure to its requests; the lists hold as many rows as the figure says."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from funds.services import aid_request_create, aid_request_decide, aid_request_pay, fund_allocate
from org.models import Role
from tests.factories import FundFactory, UserFactory, VisitFactory
from tests.funds.helpers import medical, submit
from tests.reports.conftest import SHANGHAI, filed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
YEAR = dt.date.today().year - 1


def _aid_paid(hfile, group, branch, staff, cadre, n: int) -> None:
    chair = UserFactory(roles=[(branch, Role.BRANCH_CHAIR)])
    with time_machine.travel(dt.datetime(YEAR, 6, 1, 10, tzinfo=SHANGHAI), tick=False):
        fund = FundFactory(unit=group, name="甲一帮扶资金")
        fund_allocate(fund=fund, amount=Decimal("9000"), source="finance", by=staff, idempotency_key="journey")
        for i in range(n):
            data = medical(fund, "300.00", invoices=(f"INV-{i}",))
            aid = aid_request_decide(request=submit(aid_request_create(hfile=hfile, data=data, by=cadre), cadre),
                                     action="approve", by=chair)  # fmt: skip
            aid_request_pay(request=aid, by=chair, idempotency_key=f"pay-{i}")


def test_federation_staff_follow_a_visit_figure_and_an_aid_figure(
    desktop, federation_staff, cadre, federation, branch_a, group_a1, group_b1
):
    households = [filed(unit, f"{YEAR - 1}-0{i + 1}-01") for i, unit in enumerate([group_a1, group_a1, group_b1])]
    for i, hfile in enumerate(households):
        for month in range(1, 3 + 2 * i):
            VisitFactory(file=hfile, visited_on=dt.date(YEAR, month, 10), outcome="improved")
    _aid_paid(households[0], group_a1, branch_a, federation_staff, cadre, 2)

    page = desktop.login("fed")
    page.goto(f"{desktop.base_url}/reports/annual/?unit_id={federation.pk}&year={YEAR}")
    total = page.locator("#table-visits tr.total td")
    required = total.nth(1)  # this year's "Visits required"
    figure = int(required.inner_text())
    assert figure > 0
    required.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Households behind a figure")
    expect(page.locator("#drill-figure")).to_contain_text("Visits made against visits required")
    rows = page.locator("#drill-rows tbody tr")
    expect(rows).to_have_count(3)
    listed = [int(rows.nth(i).locator("td").nth(4).inner_text()) for i in range(3)]
    assert sum(listed) == figure
    desktop.screenshot("annual_drill_visits")

    page.go_back()
    requests = page.locator("#table-aid tr.total td").nth(1)
    expect(requests).to_have_text("2")
    requests.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aid requests behind a figure")
    expect(page.locator("#drill-rows tbody tr")).to_have_count(2)
    expect(page.locator("#drill-totals")).to_have_text("2 requests, ¥600.00 in all.")
