"""Relief and relapse in the browser: the relief panel explains, a chair confirms a proposal, the household
passes into its transition period, falls back later and is reopened in the same file, through identification."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import AssistancePlan, FileEvent, HardshipFile, LivingStandard, PlanHelper
from cases.relief import income_observe, relief_propose
from cases.relief_models import ReliefBasis
from cases.workflow import FileAction, FileStatus
from org.models import Locality
from tests.cases.test_lifecycle import filed_file

from .test_file_journey import take_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def six_months_back(today: dt.date) -> list[dt.date]:
    months, month = [], today.replace(day=1)
    for _i in range(6):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return months


def test_relief_confirmed_then_a_relapse_reopens_the_same_file(desktop, cadre, branch_chair, branch_a, group_a1):
    today = timezone.localdate()
    kunming = Locality.objects.create(code="530100", name_zh="昆明市", name_en="Kunming")
    branch_a.locality = kunming
    branch_a.save()
    for year in {m.year for m in six_months_back(today)}:
        LivingStandard.objects.create(locality=kunming, year=year, monthly_amount=Decimal("660.00"))
    hfile = filed_file(cadre, branch_chair, group_a1)
    PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="稳定就业"), user=cadre)
    # Six months of visits found 1,500 a month for the two of them: 750 each, above 660.
    for month in six_months_back(today):
        income_observe(hfile=hfile, by=cadre, month=month, household_income=Decimal("1500"))
    relief_propose(hfile=hfile, by=cadre, basis=ReliefBasis.ABOVE_STANDARD, note="丈夫在新单位稳定就业")

    # The chair reads why the household meets the rule, and confirms.
    page = desktop.login("chair")
    desktop.goto(hfile.get_absolute_url())
    panel = page.locator("#relief")
    expect(panel).to_contain_text("Meets the relief rule")
    expect(panel).to_contain_text("in each of the 6 months")
    expect(panel).to_contain_text("waiting for a branch chair")
    desktop.screenshot("relief_panel")
    panel.get_by_role("link", name="Decide on relief").click()
    page.get_by_label("Confirm relief").check()
    page.fill("#id_note", "同意脱困，进入过渡期")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_have_text("The household is relieved.")
    expect(page.locator("h1 .badge").first).to_have_text("Relieved")
    expect(page.locator("#relief")).to_contain_text("every 6 months")
    desktop.logout()

    # The household falls back: its helper reopens the same file.
    page = desktop.login("cadre")
    desktop.goto(hfile.get_absolute_url())
    take_step(page, "Reopen after a relapse", {"#id_comment": "丈夫再次失业，孩子住院"})
    expect(page.locator("h1 .badge").first).to_have_text("Draft")
    assert HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.DRAFT
    take_step(page, "Submit for verification")
    desktop.logout()

    page = desktop.login("chair")
    desktop.goto(hfile.get_absolute_url())
    take_step(
        page,
        "Record household investigation",
        {"#id_investigator": "刘调查", "#id_investigated_on": f"{today:%Y-%m-%d}", "#id_findings": "返困属实"},
    )
    take_step(page, "File the card", {"#id_comment": "返困重新建档"})
    expect(page.locator("h1 .badge").first).to_have_text("Filed")
    actions = list(FileEvent.objects.filter(file=hfile).order_by("pk").values_list("action", flat=True))
    assert actions.count(FileAction.FILE) == 2 and FileAction.RELIEVE in actions and FileAction.RELAPSE in actions
    assert desktop.errors == []
