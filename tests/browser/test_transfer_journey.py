"""A household moves to another branch in the browser: branch A's chair asks, branch B's chair accepts it."""

import pytest
from playwright.sync_api import expect

from cases.models import AssistancePlan, FileEvent, HardshipFile, PlanHelper
from cases.workflow import FileRecord, FileStatus
from tests.factories import HardshipFileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_chair_transfers_a_household_and_the_receiving_chair_accepts(
    desktop, branch_chair, chair_other_branch, cadre, cadre_other_branch, group_a1, group_b1
):
    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, name="赵铁柱", created_by=cadre)
    plan = AssistancePlan.objects.create(file=hfile, goal="稳定就业")
    PlanHelper.objects.create(plan=plan, user=cadre)

    page = desktop.login("chair")
    desktop.goto(hfile.get_absolute_url())
    page.locator("#transfer-link").click()
    page.select_option("#id_to_unit", label="\u2003\u2003Group B1")
    page.fill("#id_reason", "职工调入乙厂工作")
    page.fill("#id_handover", "每月药费约800元；春节前需慰问。")
    desktop.screenshot("transfer_request")
    page.get_by_role("button", name="Request the transfer").click()
    expect(page.locator("h1 .badge")).to_have_text("Awaiting the receiving unit")
    desktop.logout()

    page = desktop.login("chair_b")
    desktop.menu("Households", "Transfers")
    page.get_by_role("link", name="赵铁柱").click()
    expect(page.locator("#handover")).to_contain_text("春节前需慰问")
    page.get_by_role("link", name="Accept").click()
    page.select_option("#id_helpers-0-user", value=str(cadre_other_branch.pk))
    page.fill("#id_helpers-0-duty", "结对帮扶")
    desktop.screenshot("transfer_accept")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("h1")).to_contain_text("赵铁柱")
    expect(page.locator("main")).to_contain_text("Group B1")

    hfile.refresh_from_db()
    assert hfile.unit == group_b1
    assert list(FileEvent.objects.filter(file=hfile).order_by("pk").values_list("action", flat=True)) == [
        FileRecord.TRANSFER_REQUEST,
        FileRecord.TRANSFER_ACCEPT,
    ]
    assert not HardshipFile.objects.visible_to(branch_chair).filter(pk=hfile.pk).exists()
