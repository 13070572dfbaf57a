"""Holiday condolence (送温暖): a branch chair makes a batch, another chair approves it, a cadre marks a
household's receipt delivered at the door, and the sign-off sheet is printed."""

import pytest
from playwright.sync_api import expect

from cases.models import Tier
from cases.workflow import FileStatus
from funds.models import BatchStatus, CondolenceBatch, FundBalance, LineStatus
from org.models import Role
from tests.factories import HardshipFileFactory, UserFactory, funded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_chair_makes_a_batch_another_approves_and_a_cadre_marks_delivered(desktop, phone, branch_a, group_a1, cadre):
    deep, relative = Tier.objects.order_by("order")[:2]
    HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, tier=deep, name="王秀英")
    HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, tier=relative, name="李国强")
    fund = funded(branch_a, "10000.00", name="送温暖资金")
    UserFactory(username="chair", roles=[(branch_a, Role.BRANCH_CHAIR)])
    UserFactory(username="chair2", roles=[(branch_a, Role.BRANCH_CHAIR)])

    page = desktop.login("chair")
    desktop.menu("Money", "Condolence")
    page.get_by_role("link", name="New batch").click()
    page.select_option("#id_unit", label="Branch A")
    page.select_option("#id_holiday", label="Spring Festival 2027")
    page.select_option("#id_fund", value=str(fund.pk))
    page.fill("#id_name", "2027年春节送温暖")
    page.fill(f"#id_cash_{deep.pk}", "500")
    page.fill(f"#id_goods_{deep.pk}", "米面油")
    page.fill(f"#id_goods_value_{deep.pk}", "100")
    page.fill(f"#id_cash_{relative.pk}", "300")
    desktop.screenshot("batch_form")
    page.get_by_role("button", name="Make the batch").click()

    expect(page.locator("#batch-total")).to_have_text("¥900.00")
    expect(page.locator("#batch-lines")).to_contain_text("王秀英")
    expect(page.locator("#approve")).to_have_count(0)  # nobody approves their own batch
    desktop.logout()

    page = desktop.login("chair2")
    batch = CondolenceBatch.objects.get()
    desktop.goto(batch.get_absolute_url())
    page.locator("#approve").click()
    expect(page.get_by_role("alert")).to_contain_text("approved and its total reserved")
    assert FundBalance.objects.get(fund=fund).reserved == 900

    door = phone.login("cadre")
    phone.goto(batch.get_absolute_url())
    row = door.locator("tr", has_text="王秀英")
    row.get_by_placeholder("Received by").fill("王秀英之女")
    row.get_by_role("button", name="Delivered").click()
    expect(door.get_by_role("alert")).to_contain_text("王秀英: delivery recorded.")
    assert phone.horizontal_overflow() == 0

    desktop.goto(batch.get_absolute_url())
    expect(page.locator("#batch-lines")).to_contain_text("received by 王秀英之女")
    desktop.screenshot("batch_detail")
    desktop.goto(f"/funds/batches/{batch.pk}/sheet/")
    expect(page.locator("tbody tr")).to_have_count(2)
    desktop.screenshot("batch_sheet")

    line = batch.lines.get(file__name="王秀英")
    assert line.status == LineStatus.DELIVERED and line.received_by == "王秀英之女"
    assert batch.lines.get(file__name="李国强").status == LineStatus.PENDING
    balance = FundBalance.objects.get(fund=fund)
    assert (balance.available, balance.reserved) == (9100, 300)
    assert CondolenceBatch.objects.get().status == BatchStatus.APPROVED
