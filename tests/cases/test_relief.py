"""Relief: the monthly figures, the relief rule at its boundaries, proposals and a chair's confirmation."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from cases import relief_rules
from cases.models import FileEvent, HardshipFile, LivingStandard
from cases.relief import file_relief_assessment, income_observe, relief_confirm, relief_propose, relief_reject
from cases.relief_models import IncomeObservation, ProposalStatus, ReliefBasis, ReliefProposal, ReliefRule
from cases.services import file_transition, plan_save
from cases.workflow import CloseReason, FileAction, FileStatus
from notices.models import Notification
from org.models import Locality

from .test_lifecycle import filed_file

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
STANDARD = Decimal("660.00")


def month(year: int, number: int) -> dt.date:
    return dt.date(year, number, 1)


# --- the pure rule at its boundaries ------------------------------------------------------------------

SIX = relief_rules.Rule(pk=1, kind=relief_rules.ABOVE_STANDARD, factor=Decimal("1.00"), months=6)
GOALS = relief_rules.Rule(pk=2, kind=relief_rules.PLAN_GOALS_MET)


def run_of(figures: dict, *, standards=None, goals=None, rules=(SIX, GOALS)) -> relief_rules.Assessment:
    return relief_rules.assess(
        rules=rules,
        figures=figures,
        standards=standards if standards is not None else {2025: STANDARD, 2026: STANDARD},
        goals_met_on=goals,
        today=TODAY,
    )


def months_back(n: int, *, from_month: dt.date | None = None) -> list[dt.date]:
    out, m = [], from_month or month(2026, 6)
    for _i in range(n):
        out.append(m)
        m = relief_rules.previous_month(m)
    return out


def test_six_months_above_the_standard_meets_the_rule():
    result = run_of({m: Decimal("660.01") for m in months_back(6)})
    assert result.met and result.holds(relief_rules.ABOVE_STANDARD)
    assert result.results[0].run == 6


def test_five_months_is_not_enough():
    result = run_of({m: Decimal("900.00") for m in months_back(5)})
    assert not result.met
    assert result.results[0].run == 5 and result.results[0].broken_by == "missing"


def test_exactly_at_the_standard_is_not_above_it():
    figures = {m: Decimal("900.00") for m in months_back(6)}
    figures[month(2026, 3)] = STANDARD
    result = run_of(figures)
    assert not result.met and result.results[0].broken_by == "not_above" and result.results[0].run == 3


def test_the_run_may_end_last_month_when_this_months_figure_is_not_in():
    result = run_of({m: Decimal("900.00") for m in months_back(6, from_month=month(2026, 5))})
    assert result.met


def test_a_run_that_ended_two_months_ago_does_not_count():
    result = run_of({m: Decimal("900.00") for m in months_back(6, from_month=month(2026, 4))})
    assert not result.met and result.results[0].run == 0


def test_a_missing_standard_breaks_the_run_rather_than_guessing():
    result = run_of({m: Decimal("900.00") for m in months_back(6)}, standards={2025: STANDARD})
    assert not result.met and result.results[0].broken_by == "no_standard"  # none recorded for 2026


def test_a_factor_raises_the_threshold():
    rule = relief_rules.Rule(pk=1, kind=relief_rules.ABOVE_STANDARD, factor=Decimal("1.50"), months=6)
    figures = {m: Decimal("990.00") for m in months_back(6)}  # exactly 1.5 × 660
    assert not run_of(figures, rules=[rule]).met
    figures = {m: Decimal("990.01") for m in months_back(6)}
    assert run_of(figures, rules=[rule]).met


def test_plan_goals_met_is_the_other_way():
    assert run_of({}, goals=dt.date(2026, 5, 1)).holds(relief_rules.PLAN_GOALS_MET)
    assert not run_of({}, goals=None).met


def test_the_explanation_names_the_month_that_broke_the_run():
    figures = {m: Decimal("900.00") for m in months_back(6)}
    figures[month(2026, 3)] = Decimal("600.00")
    lines = relief_rules.explain(run_of(figures), locality="Kunming")
    assert any("2026-03" in line and "¥600.00" in line and "¥660.00" in line for line in lines)
    assert lines[-1] == "The household does not meet the relief rule yet."


# --- the services ------------------------------------------------------------------------------------


@pytest.fixture
def kunming(branch_a):
    locality = Locality.objects.create(code="530100", name_zh="昆明市", name_en="Kunming")
    branch_a.locality = locality
    branch_a.save()
    for year in (2025, 2026):
        LivingStandard.objects.create(locality=locality, year=year, monthly_amount=STANDARD)
    return locality


@pytest.fixture
def filed(cadre, branch_chair, group_a1, kunming):
    with time_machine.travel(dt.datetime(2025, 11, 20, 10, tzinfo=dt.UTC)):
        hfile = filed_file(cadre, branch_chair, group_a1)
    return hfile


def observe_months(hfile, by, months: list[dt.date], income: Decimal) -> None:
    for m in months:
        income_observe(hfile=hfile, by=by, month=m, household_income=income)


@pytest.fixture
def at_today():
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC)):
        yield


def test_a_monthly_income_becomes_a_per_capita_figure(filed, cadre, at_today):
    # Two members, no rigid expenditure: 1500 / 2 = 750.
    row = income_observe(hfile=filed, by=cadre, month=dt.date(2026, 6, 9), household_income=Decimal("1500"))
    assert row.month == month(2026, 6) and row.per_capita == Decimal("750.00") and row.members == 2
    again = income_observe(hfile=filed, by=cadre, month=month(2026, 6), household_income=Decimal("1700"))
    assert again.pk == row.pk
    assert IncomeObservation.objects.get(file=filed, month=month(2026, 6)).per_capita == Decimal("850.00")


def test_rigid_expenditure_lowers_the_monthly_figure(filed, cadre, at_today):
    HardshipFile.objects.filter(pk=filed.pk).update(medical_costs=Decimal("2400"))
    filed.refresh_from_db()
    row = income_observe(hfile=filed, by=cadre, month=month(2026, 6), household_income=Decimal("1500"))
    assert row.rigid_monthly == Decimal("200.00") and row.per_capita == Decimal("650.00")


@pytest.mark.parametrize("income", [Decimal("-1"), Decimal("1000001"), None])
def test_a_bad_income_is_refused(filed, cadre, at_today, income):
    with pytest.raises(ValidationError):
        income_observe(hfile=filed, by=cadre, month=month(2026, 6), household_income=income)
    assert not IncomeObservation.objects.filter(month=month(2026, 6)).exists()


def test_a_future_month_is_refused(filed, cadre, at_today):
    with pytest.raises(ValidationError):
        income_observe(hfile=filed, by=cadre, month=month(2026, 7), household_income=Decimal("1500"))


def test_saving_a_filed_card_records_the_months_figure(filed, cadre, at_today):
    from .test_tier_services import save

    save(filed, cadre, worker_income=Decimal("2000"))
    row = IncomeObservation.objects.get(file=filed, month=month(2026, 6))
    assert row.source == "card" and row.month == month(2026, 6)
    assert row.per_capita == HardshipFile.objects.get(pk=filed.pk).per_capita_net


def test_filing_records_the_cards_figure_for_the_month(filed):
    row = IncomeObservation.objects.get(file=filed)
    assert row.month == month(2025, 11) and row.source == "card" and row.per_capita == filed.per_capita_net


def test_a_cadre_proposes_and_a_chair_confirms_relief(filed, cadre, branch_chair, at_today):
    observe_months(filed, cadre, months_back(6), Decimal("1500"))
    proposal = relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD, note="再就业")
    assert proposal.status == ProposalStatus.PENDING and proposal.assessment["met"] is True
    assert Notification.objects.filter(user=branch_chair, kind="cases.relief_proposed").count() == 1
    relieved = relief_confirm(hfile=filed, by=branch_chair, note="同意")
    assert relieved.status == FileStatus.RELIEVED and relieved.relieved_on == TODAY
    assert relieved.transition_ends_on == dt.date(2031, 6, 15)
    assert "再就业" in relieved.relief_reason
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED and proposal.decided_by == branch_chair
    assert FileEvent.objects.filter(file=filed, action=FileAction.RELIEVE, actor=branch_chair).exists()
    assert FileEvent.objects.get(file=filed, action="relief_proposed").comment.endswith("再就业")


def test_five_months_cannot_be_proposed(filed, cadre, at_today):
    observe_months(filed, cadre, months_back(5), Decimal("1500"))
    with pytest.raises(ValidationError) as info:
        relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)
    assert "basis" in info.value.message_dict
    assert not ReliefProposal.objects.exists()


def test_exactly_at_the_standard_cannot_be_proposed(filed, cadre, at_today):
    observe_months(filed, cadre, months_back(6), STANDARD * 2)  # 1320 / 2 = 660.00, the standard itself
    with pytest.raises(ValidationError):
        relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)


def test_plan_goals_met_can_be_proposed(filed, cadre, branch_chair, at_today):
    plan_save(
        hfile=filed, by=cadre, goal="稳定就业", guarantees=[], target_date=None, measures=[], helpers=[],
        goals_met_on=TODAY,
    )  # fmt: skip
    assert file_relief_assessment(hfile=filed).holds(relief_rules.PLAN_GOALS_MET)
    relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.PLAN_GOALS_MET)
    assert relief_confirm(hfile=filed, by=branch_chair).status == FileStatus.RELIEVED


def test_a_switched_off_rule_accepts_no_proposal(filed, cadre, at_today):
    observe_months(filed, cadre, months_back(6), Decimal("1500"))
    ReliefRule.objects.filter(kind="above_standard").update(is_active=False)
    from hardship.versioned import bump

    bump()
    with pytest.raises(ValidationError, match="No active relief rule"):
        relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)


def test_relief_without_a_chair_is_refused(filed, cadre, at_today):
    observe_months(filed, cadre, months_back(6), Decimal("1500"))
    relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)
    with pytest.raises(PermissionDenied):
        relief_confirm(hfile=filed, by=cadre)
    assert HardshipFile.objects.get(pk=filed.pk).status == FileStatus.FILED


def test_a_chair_of_another_branch_cannot_confirm(filed, cadre, chair_other_branch, at_today):
    observe_months(filed, cadre, months_back(6), Decimal("1500"))
    relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)
    with pytest.raises(PermissionDenied):
        relief_confirm(hfile=filed, by=chair_other_branch)


def test_confirming_without_a_proposal_is_refused(filed, branch_chair, at_today):
    with pytest.raises(ValidationError, match="no relief proposal"):
        relief_confirm(hfile=filed, by=branch_chair)


def test_a_second_proposal_waits_for_the_first(filed, cadre, at_today):
    observe_months(filed, cadre, months_back(6), Decimal("1500"))
    relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)
    with pytest.raises(ValidationError, match="already waiting"):
        relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)


def test_a_rejection_needs_a_reason_and_keeps_the_file(filed, cadre, branch_chair, at_today):
    observe_months(filed, cadre, months_back(6), Decimal("1500"))
    relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)
    with pytest.raises(ValidationError):
        relief_reject(hfile=filed, by=branch_chair, note="  ")
    rejected = relief_reject(hfile=filed, by=branch_chair, note="收入不稳定")
    assert rejected.status == ProposalStatus.REJECTED
    assert FileEvent.objects.get(file=filed, action="relief_rejected").comment == "收入不稳定"
    assert HardshipFile.objects.get(pk=filed.pk).status == FileStatus.FILED


def test_a_draft_cannot_be_proposed(cadre, group_a1, kunming):
    from .helpers import create_file

    draft = create_file(by=cadre, unit=group_a1)
    with pytest.raises(ValidationError, match="Only a filed household"):
        relief_propose(hfile=draft, by=cadre, basis=ReliefBasis.PLAN_GOALS_MET)


def test_an_out_of_scope_cadre_cannot_propose(filed, cadre, cadre_other_branch, at_today):
    observe_months(filed, cadre, months_back(6), Decimal("1500"))
    with pytest.raises(PermissionDenied):
        relief_propose(hfile=filed, by=cadre_other_branch, basis=ReliefBasis.ABOVE_STANDARD)
    with pytest.raises(PermissionDenied):
        income_observe(hfile=filed, by=cadre_other_branch, month=month(2026, 6), household_income=Decimal("1"))


def test_closing_the_file_withdraws_a_waiting_proposal(filed, cadre, branch_chair, at_today):
    observe_months(filed, cadre, months_back(6), Decimal("1500"))
    proposal = relief_propose(hfile=filed, by=cadre, basis=ReliefBasis.ABOVE_STANDARD)
    file_transition(hfile=filed, action=FileAction.CLOSE, by=branch_chair, close_reason=CloseReason.LEFT_UNION)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
