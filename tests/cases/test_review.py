"""The annual review: figures updated through the card's services, tier recomputed, four outcomes, tasks and overdue."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import AssistancePlan, Cause, FileEvent, HardshipFile, LivingStandard, PlanHelper, Tier
from cases.notice_models import FederationPolicy
from cases.relief import relief_confirm
from cases.relief_models import ProposalStatus, ReliefBasis, ReliefProposal
from cases.review import review_record
from cases.review_models import AnnualReview, ReviewOutcome
from cases.review_selectors import overdue_by_unit_for_user, reviews_due_for_user
from cases.services import add_years, plan_save
from cases.workflow import FileStatus
from notices.models import Notification
from org.models import Locality
from tests.factories import HardshipFileFactory

from .test_lifecycle import filed_file

TODAY = timezone.localdate


@pytest.fixture
def standard(federation):
    """A living standard of 800 yuan for the federation's city this year: tiers are suggested."""
    city = Locality.objects.create(code="630100", name_zh="西宁市", name_en="Xining")
    federation.locality = city
    federation.save()
    LivingStandard.objects.create(locality=city, year=TODAY().year, monthly_amount=Decimal("800.00"))
    return city


def review(hfile, by, outcome=ReviewOutcome.KEEP, note="入户复核，情况属实", **figures):
    data = {"worker_income": hfile.worker_income, "other_income": hfile.other_income}
    data.update({k: v for k, v in figures.items() if k not in ("tier", "close_reason", "relief_basis")})
    causes = [fc.cause for fc in hfile.file_causes.all()]
    return review_record(
        hfile=hfile,
        by=by,
        data=data,
        causes=causes,
        primary_cause=hfile.primary_cause,
        members=[],
        reviewed_on=TODAY(),
        outcome=outcome,
        note=note,
        **{k: v for k, v in figures.items() if k in ("tier", "close_reason", "relief_basis")},
    )


def tier(code: str) -> Tier:
    return Tier.objects.get(code=code)


def test_keep_records_the_review_and_moves_the_due_date_a_year_on(cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    done = review(hfile, cadre)
    hfile.refresh_from_db()
    assert hfile.review_due_on == add_years(TODAY(), 1)
    assert (done.outcome, done.tier_before_id, done.tier_after_id) == ("keep", hfile.tier_id, hfile.tier_id)
    event = FileEvent.objects.filter(file=hfile).latest("pk")
    assert event.action == "review" and event.actor == cadre and "入户复核" in event.comment


def test_new_figures_recompute_the_tier_and_keep_is_refused(cadre, branch_chair, group_a1, standard):
    hfile = filed_file(cadre, branch_chair, group_a1)  # 1800 + 600 over two: 1200 a head, relative hardship
    assert hfile.tier == tier("relative")
    with pytest.raises(ValidationError, match="change the tier"):
        review(hfile, cadre, worker_income=Decimal("500.00"), other_income=Decimal("0.00"))
    hfile.refresh_from_db()
    assert (hfile.tier, hfile.worker_income) == (tier("relative"), Decimal("1500.00"))  # nothing saved
    assert not AnnualReview.objects.exists()
    done = review(hfile, cadre, ReviewOutcome.CHANGE_TIER, worker_income=Decimal("500.00"), other_income=Decimal("0"))
    hfile.refresh_from_db()
    assert (done.tier_before, done.tier_after, hfile.tier) == (tier("relative"), tier("deep"), tier("deep"))
    assert done.per_capita_after == Decimal("550.00")


def test_change_tier_without_a_change_is_refused(cadre, branch_chair, group_a1, standard):
    hfile = filed_file(cadre, branch_chair, group_a1)
    with pytest.raises(ValidationError, match="stays the same"):
        review(hfile, cadre, ReviewOutcome.CHANGE_TIER)


def test_only_a_chair_sets_a_tier_against_the_suggestion(cadre, branch_chair, group_a1, standard):
    hfile = filed_file(cadre, branch_chair, group_a1)
    with pytest.raises(ValidationError, match="Only a branch chair"):
        review(hfile, cadre, ReviewOutcome.CHANGE_TIER, tier=tier("deep"))
    done = review(hfile, branch_chair, ReviewOutcome.CHANGE_TIER, tier=tier("deep"), note="重病住院，按深度困难")
    hfile.refresh_from_db()
    assert (done.tier_after, hfile.tier, hfile.tier_override_reason) == (
        tier("deep"),
        tier("deep"),
        "重病住院，按深度困难",
    )


def test_a_closure_proposal_needs_a_reason_and_leaves_the_file_filed(cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    with pytest.raises(ValidationError) as exc:
        review(hfile, cadre, ReviewOutcome.PROPOSE_CLOSURE)
    assert "close_reason" in exc.value.message_dict
    done = review(hfile, cadre, ReviewOutcome.PROPOSE_CLOSURE, close_reason="left_union")
    hfile.refresh_from_db()
    assert (done.close_reason, hfile.status) == ("left_union", FileStatus.FILED)
    notice = Notification.objects.get(user=branch_chair, kind="cases.closure_proposed")
    assert notice.link == hfile.get_absolute_url() and "Left the union" in notice.body


def test_relief_is_proposed_from_the_review_and_a_chair_confirms_it(cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    plan_save(
        hfile=hfile, by=cadre, goal="稳定就业", guarantees=[], target_date=None, measures=[], helpers=[],
        goals_met_on=TODAY(),
    )  # fmt: skip
    done = review(
        hfile, cadre, ReviewOutcome.PROPOSE_RELIEF, relief_basis=ReliefBasis.PLAN_GOALS_MET, note="已稳定就业"
    )
    assert done.relief_proposal.status == ProposalStatus.PENDING
    assert relief_confirm(hfile=hfile, by=branch_chair, note="同意").status == FileStatus.RELIEVED


def test_relief_on_a_basis_that_does_not_hold_saves_nothing(cadre, branch_chair, group_a1, standard):
    hfile = filed_file(cadre, branch_chair, group_a1)
    with pytest.raises(ValidationError) as exc:
        review(hfile, cadre, ReviewOutcome.PROPOSE_RELIEF, relief_basis=ReliefBasis.ABOVE_STANDARD)
    assert "relief_basis" in exc.value.message_dict
    assert not AnnualReview.objects.exists() and not ReliefProposal.objects.exists()


def test_a_review_without_findings_or_with_a_future_date_saves_nothing(cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    with pytest.raises(ValidationError) as exc:
        review_record(
            hfile=hfile,
            by=cadre,
            data={},
            causes=list(Cause.objects.all()[:1]),
            primary_cause=None,
            members=[],
            reviewed_on=TODAY() + dt.timedelta(days=1),
            outcome="maybe",
            note=" ",
        )
    assert set(exc.value.message_dict) == {"reviewed_on", "outcome", "note"}
    assert not AnnualReview.objects.exists()


def test_only_filed_households_in_reach_are_reviewed(cadre, cadre_other_branch, federation_staff, group_a1):
    draft = HardshipFileFactory(unit=group_a1)
    with pytest.raises(ValidationError, match="Only a filed household"):
        review(draft, cadre)
    filed = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED)
    for user in (cadre_other_branch, federation_staff):
        with pytest.raises(PermissionDenied):
            review(filed, user)
    assert not AnnualReview.objects.exists()


def _helped(hfile, *users):
    plan = AssistancePlan.objects.create(file=hfile, goal="目标")
    for user in users:
        PlanHelper.objects.create(plan=plan, user=user)
    return hfile


def test_the_review_task_appears_for_helpers_the_federations_lead_days_before(cadre, cadre_a2, group_a1, federation):
    today = TODAY()
    soon = _helped(
        HardshipFileFactory(unit=group_a1, status="filed", review_due_on=today + dt.timedelta(days=20)), cadre
    )
    _helped(HardshipFileFactory(unit=group_a1, status="filed", review_due_on=today + dt.timedelta(days=40)), cadre)
    late = _helped(
        HardshipFileFactory(unit=group_a1, status="filed", review_due_on=today - dt.timedelta(days=3)), cadre
    )
    _helped(HardshipFileFactory(unit=group_a1, status="filed", review_due_on=today), cadre_a2)
    rows = list(reviews_due_for_user(user=cadre, today=today, mine=True))
    assert [(r["pk"], r["overdue"]) for r in sorted(rows, key=lambda r: r["review_due_on"])] == [
        (late.pk, True),
        (soon.pk, False),
    ]
    FederationPolicy.objects.create(federation=federation, review_lead_days=10)
    assert [r["pk"] for r in reviews_due_for_user(user=cadre, today=today, mine=True)] == [late.pk]


def test_overdue_reviews_count_per_unit_with_the_units_below(
    branch_chair, federation_staff, group_a1, group_a2, group_b1, branch_a, federation
):
    past = TODAY() - dt.timedelta(days=1)
    HardshipFileFactory.create_batch(2, unit=group_a1, status="filed", review_due_on=past)
    HardshipFileFactory(unit=group_a2, status="filed", review_due_on=past)
    HardshipFileFactory(unit=group_b1, status="filed", review_due_on=past)
    HardshipFileFactory(unit=group_a2, status="filed", review_due_on=TODAY())  # due today: not overdue
    rows = {r.pk: (r.own, r.total) for r in overdue_by_unit_for_user(user=branch_chair, today=TODAY())}
    assert rows == {branch_a.pk: (0, 3), group_a1.pk: (2, 2), group_a2.pk: (1, 1)}
    rows = {r.pk: r.total for r in overdue_by_unit_for_user(user=federation_staff, today=TODAY())}
    assert rows[federation.pk] == 4 and rows[group_b1.pk] == 1
    assert HardshipFile.objects.count() == 5
