"""Aid through the browser on a desktop: a cadre asks for medical aid and sees how the amount is reached; the
branch chair approves and pays it; a larger request goes on to federation staff; an acting chair decides while
the chair is away. Screenshots: the request with its derivation, the approval queue, the fund statement."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from funds.models import AidRequest, Delegation, FundBalance
from funds.workflow import AidStatus
from org.models import Role
from tests.factories import HardshipFileFactory, UserFactory, funded
from tests.funds.helpers import assert_ledger_consistent, complete_evidence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def people(cadre, branch_chair, federation_staff, branch_a):
    for user, (last, first) in (
        (cadre, ("张", "伟")),
        (branch_chair, ("李", "建国")),
        (federation_staff, ("周", "敏")),
    ):
        user.last_name, user.first_name = last, first
        user.save()
    deputy = UserFactory(username="deputy", last_name="赵", first_name="志强", roles=[(branch_a, Role.CADRE)])
    return {"cadre": cadre, "chair": branch_chair, "federation": federation_staff, "deputy": deputy}


def badge(page: Page) -> str:
    link = page.locator("#nav-approvals")
    return link.locator("#approvals-count").inner_text() if link.locator("#approvals-count").count() else ""


def request_medical(page: Page, base: str, household, amount: str, cost: str, invoice: str, why: str = "") -> int:
    """The cadre's new medical request, saved and submitted; returns its number."""
    page.goto(base + "/funds/aid/new/")
    page.fill("#file", str(household.pk))
    page.get_by_role("button", name="Continue").click()
    page.select_option("#id_aid_type", label="Medical assistance")
    page.select_option("#id_fund", index=1)
    page.fill("#id_requested_amount", amount)
    page.fill("#id_justification", why)
    page.fill("#id_total_cost", cost)
    page.fill("#id_insurance", "8000")
    page.fill("#id_other_aid", "2000")
    page.fill("#id_invoice_numbers", invoice)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("saved as a draft")
    pk = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    complete_evidence(AidRequest.objects.get(pk=pk), household.created_by)  # its own journey: test_aid_evidence_journey
    page.reload()
    return pk


def decide(page: Page, base: str, pk: int, action: str = "Approve", comment: str = "") -> None:
    page.goto(f"{base}/funds/aid/{pk}/")
    page.fill("#comment", comment)
    page.get_by_role("button", name=action, exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Your decision was recorded.")


def test_medical_aid_from_request_to_payment_with_escalation_and_an_acting_chair(desktop, people, group_a1):
    fund = funded(group_a1, "30000.00", name="甲一小组帮扶资金")
    households = [
        HardshipFileFactory(unit=group_a1, status="filed", name=name, created_by=people["cadre"])
        for name in ("王秀英", "刘建军", "陈桂兰")
    ]
    base = desktop.base_url

    # The cadre asks for medical aid and sees how the suggested amount is reached.
    page = desktop.login("cadre")
    first = request_medical(page, base, households[0], "1500.00", "20000", "ZY-2026-0001")
    derivation = page.locator(".derivation")
    expect(derivation).to_contain_text("Band 5,000.00–20,000.00 yuan: 5,000.00 × 30% = 1,500.00 yuan")
    expect(derivation).to_contain_text("Suggested amount: 1,500.00 yuan")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_role("alert")).to_contain_text("submitted for approval")
    desktop.screenshot("aid_request")
    large = request_medical(page, base, households[1], "8000.00", "20000", "ZY-2026-0002", "二次手术，自付费用高")
    page.get_by_role("button", name="Submit for approval").click()
    third = request_medical(page, base, households[2], "1500.00", "20000", "ZY-2026-0003")
    page.get_by_role("button", name="Submit for approval").click()
    desktop.logout()

    # The branch chair sees three requests waiting, approves the first (below 5,000 yuan) and pays it.
    page = desktop.login("chair")
    assert badge(page) == "3"
    desktop.menu("Money", "Approvals")
    expect(page.get_by_test_id("queue-count")).to_have_text("3")
    expect(page.get_by_role("link", name=str(first), exact=True)).to_be_visible()
    desktop.screenshot("approval_queue")
    decide(page, base, first, comment="情况属实，同意")
    expect(page.locator(".badge.fs-6")).to_contain_text("Approved, money reserved")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("alert")).to_contain_text("The aid was paid.")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # The larger request goes on to the federation after the chair's approval.
    decide(page, base, large)
    expect(page.locator(".badge.fs-6")).to_contain_text("level 2")
    assert badge(page) == "1"
    desktop.logout()

    page = desktop.login("fed")
    assert badge(page) == "1"
    decide(page, base, large, comment="同意，从专项资金列支")
    expect(page.locator(".badge.fs-6")).to_contain_text("Approved, money reserved")
    desktop.logout()

    # The chair is away: the deputy acts for them and the decision records both names.
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=people["chair"], delegate=people["deputy"], starts_on=today, ends_on=today + dt.timedelta(days=7)
    )
    page = desktop.login("deputy")
    assert badge(page) == "1"
    decide(page, base, third, comment="代主席审批")
    expect(page.locator(".list-group-item", has_text="Approved")).to_contain_text("赵志强 (acting for 李建国)")
    desktop.logout()

    # The fund's statement: each movement with the balance after it.
    page = desktop.login("chair")
    page.goto(base + fund.get_absolute_url())
    rows = page.locator("table").last.locator("tbody tr")
    expect(rows).to_have_count(8)  # allocation 1, three reservations 2 each, the payment 1 (held accounts)
    desktop.screenshot("fund_statement")

    statuses = dict(AidRequest.objects.values_list("pk", "status"))
    assert statuses == {first: AidStatus.PAID, large: AidStatus.APPROVED, third: AidStatus.APPROVED}
    balance = FundBalance.objects.get(fund=fund)
    assert (balance.available, balance.reserved) == (Decimal("19000.00"), Decimal("9500.00"))
    assert_ledger_consistent()
