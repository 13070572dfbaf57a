"""Precise identification and dynamic management in the browser: notice, objection, filing, review, relief, relapse.

A branch chair puts an investigated household on notice, records an objection and rejects it, and
files the household once the notice has ended (the test moves the notice's dates into the past
instead of waiting five working days); a year on, its helper reviews it and proposes relief, the
chair confirms it; later the household falls back and is reopened in the same file.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import AssistancePlan, FileEvent, HardshipFile, PlanHelper
from cases.notice_models import FederationPolicy, Objection, ObjectionOutcome, PublicNotice
from cases.relief_models import ProposalStatus, ReliefProposal
from cases.review_models import AnnualReview
from cases.services import file_transition
from cases.workflow import FileAction, FileStatus
from tests.cases.helpers import create_file

from .test_file_journey import take_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def investigated_household(cadre, chair, unit) -> HardshipFile:
    hfile = create_file(by=cadre, unit=unit, name="张建明")
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    return file_transition(
        hfile=hfile,
        action=FileAction.INVESTIGATE,
        by=chair,
        investigator="刘调查",
        investigated_on=timezone.localdate(),
        findings="入户核实，情况属实",
    )


def test_notice_objection_filing_review_relief_and_relapse(desktop, cadre, branch_chair, group_a1, federation):
    FederationPolicy.objects.create(federation=federation, notice_required=True)
    hfile = investigated_household(cadre, branch_chair, group_a1)
    page = desktop.login("chair")

    # Filing before any notice is refused: this federation requires one.
    desktop.goto(hfile.get_absolute_url())
    expect(page.locator("#notice-blocker")).to_contain_text("requires a public notice")

    # The chair puts the household on notice.
    desktop.menu("Households", "Public notices")
    page.get_by_role("link", name="Put households on notice").click()
    page.get_by_label("张建明", exact=False).check()
    page.fill("#id_contact", "机械分会办公室 0871-6543210")
    page.get_by_role("button", name="Post the notice").click()
    expect(page.get_by_role("alert")).to_have_text("The households are on public notice.")
    sheet = page.locator("#notice-households")
    expect(sheet).to_contain_text("张*明")
    expect(sheet).not_to_contain_text("张建明")
    expect(sheet).not_to_contain_text(hfile.id_number)
    desktop.screenshot("notice_sheet")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    page.emulate_media(media="screen")
    desktop.menu("Households", "Public notices")
    expect(page.locator("#notices")).to_contain_text("1")
    desktop.screenshot("notice_list")

    # An objection comes in; filing is blocked while the notice runs.
    desktop.goto(hfile.get_absolute_url())
    page.get_by_role("link", name="Record an objection").click()
    page.fill("#id_raised_by", "匿名")
    page.fill("#id_content", "该户家中有商铺出租，收入不实")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#notice-card .objection")).to_contain_text("Pending")
    take_step_refused = page.locator("#file-actions").get_by_role("link", name="File the card")
    take_step_refused.click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("on public notice until")

    # The chair rejects the objection with a note.
    page.locator("#notice-card").get_by_role("link", name="Decide").click()
    page.get_by_label("Reject").check()
    page.fill("#id_note", "经入户核实，商铺已于去年转让")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#notice-card .objection")).to_contain_text("Rejected")
    assert Objection.objects.get().outcome == ObjectionOutcome.REJECTED

    # Five working days later (the notice's dates move back instead of the test waiting), the chair files it.
    today = timezone.localdate()
    PublicNotice.objects.update(starts_on=today - dt.timedelta(days=9), ends_on=today - dt.timedelta(days=3))
    Objection.objects.update(raised_on=today - dt.timedelta(days=8))
    page.reload()
    expect(page.locator("#notice-clear")).to_be_visible()
    take_step(page, "File the card", {"#id_comment": "公示期满，异议不成立"})
    hfile.refresh_from_db()
    assert hfile.status == FileStatus.FILED
    desktop.logout()

    # A year on: the review task is open for the household's helper, whose plan's goals are met.
    plan = AssistancePlan.objects.create(file=hfile, goal="稳定就业", goals_met_on=today)
    PlanHelper.objects.create(plan=plan, user=cadre)
    HardshipFile.objects.filter(pk=hfile.pk).update(review_due_on=today + dt.timedelta(days=10))
    page = desktop.login("cadre")
    desktop.menu("Households", "My reviews")
    page.locator("#reviews-due").get_by_role("link", name="Review").click()
    expect(page.locator("#id_card-worker_income")).to_have_value("1500.00")
    page.get_by_label("Propose relief").check()
    page.select_option("#id_relief_basis", label="The assistance plan's goals are met")
    page.fill("#id_note", "已在新单位稳定就业半年，家庭收入明显改善")
    desktop.screenshot("review_form")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("alert")).to_have_text("The annual review was recorded.")
    review = AnnualReview.objects.get()
    assert review.outcome == "propose_relief"
    assert ReliefProposal.objects.get(file=hfile).status == ProposalStatus.PENDING
    desktop.logout()

    # The chair confirms the relief the review proposed: the household is relieved.
    page = desktop.login("chair")
    desktop.goto(hfile.get_absolute_url())
    page.locator("#relief").get_by_role("link", name="Decide on relief").click()
    page.get_by_label("Confirm relief").check()
    page.fill("#id_note", "同意脱困，进入过渡期")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_have_text("The household is relieved.")
    expect(page.locator("h1 .badge")).to_have_text("Relieved")

    # Later the household falls back: it is reopened in the same file, with its whole history.
    take_step(page, "Reopen after a relapse", {"#id_comment": "配偶重病住院，家庭再度困难"})
    expect(page.locator("h1 .badge")).to_have_text("Draft")
    hfile.refresh_from_db()
    assert hfile.status == FileStatus.DRAFT and HardshipFile.objects.count() == 1
    actions = list(FileEvent.objects.filter(file=hfile).order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["relieve", "relapse"]
    assert {"notice", "objection", "objection_decided", "file", "review"} <= set(actions)
    desktop.goto(f"/files/{hfile.pk}/history/")
    for step in ("Put on public notice", "Objection decided", "Annual review", "Reopen after a relapse"):
        expect(page.get_by_text(step, exact=True).first).to_be_visible()
