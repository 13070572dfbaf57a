"""Post-relief check-ins: relieved households in their transition period owe a visit every six months, and no more
after it; temporary files and households handed to government support owe none."""

import datetime as dt

import pytest

from cases.models import AssistancePlan, PlanHelper
from cases.workflow import FileKind, FileStatus
from tests.factories import VisitFactory
from visits.models import ReminderDigest
from visits.reminders import reminders_monthly
from visits.selectors import due_by_helper_for_user, visit_board_for_user

from .conftest import TODAY, filed_file
from .test_reminders import run

pytestmark = pytest.mark.django_db


def names(board) -> set[str]:
    return {r.name for r in board.due + board.overdue + board.done}


def household(unit, name: str, **fields):
    """A filed household (visits' own factory helper), then moved to the state under test."""
    hfile = filed_file(unit, name=name)
    type(hfile).objects.filter(pk=hfile.pk).update(**fields)
    hfile.refresh_from_db()
    return hfile


def relieved(unit, name: str, *, relieved_on=dt.date(2026, 1, 5), ends=dt.date(2031, 1, 5)):
    return household(unit, name, status=FileStatus.RELIEVED, relieved_on=relieved_on, transition_ends_on=ends)


def test_a_relieved_household_owes_one_check_in_per_half_year(frozen, group_a1, cadre):
    hfile = relieved(group_a1, "过渡期户")
    board = visit_board_for_user(user=cadre, today=TODAY, mine=False)
    assert [r.name for r in board.due] == [hfile.name] and board.due[0].relieved
    # A visit in January counts for the whole January-June period: done in March.
    VisitFactory(file=hfile, visited_on=dt.date(2026, 1, 12))
    board = visit_board_for_user(user=cadre, today=TODAY, mine=False)
    assert [r.name for r in board.done] == [hfile.name]


def test_a_missed_half_year_makes_the_check_in_overdue(frozen, group_a1, cadre):
    relieved(group_a1, "漏访户", relieved_on=dt.date(2025, 3, 1))
    board = visit_board_for_user(user=cadre, today=TODAY, mine=False)
    assert [r.name for r in board.overdue] == ["漏访户"]


def test_after_the_transition_period_no_check_in_is_owed(frozen, group_a1, cadre):
    relieved(group_a1, "期满户", relieved_on=dt.date(2021, 1, 1), ends=dt.date(2026, 1, 1))
    assert names(visit_board_for_user(user=cadre, today=TODAY, mine=False)) == set()


def test_check_ins_reach_the_helpers_counts(frozen, group_a1, cadre, branch_chair):
    hfile = relieved(group_a1, "帮扶户")
    PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="巩固"), user=cadre)
    assert names(visit_board_for_user(user=cadre, today=TODAY, mine=True)) == {hfile.name}
    rows = due_by_helper_for_user(user=branch_chair, month=TODAY.replace(day=1))
    assert [(r["plan__helpers__user"], r["households"]) for r in rows] == [(cadre.pk, 1)]


def test_temporary_and_handed_over_households_owe_no_visits(frozen, group_a1, cadre):
    household(group_a1, "临时户", kind=FileKind.TEMPORARY, status=FileStatus.SUBMITTED)
    household(group_a1, "移交户", status=FileStatus.HANDED_OVER, handover_reason="disability")
    assert names(visit_board_for_user(user=cadre, today=TODAY, mine=False)) == set()


def test_the_check_in_interval_is_a_setting(frozen, group_a1, cadre, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "RELIEF_CHECKIN_EVERY_MONTHS": 3}
    hfile = relieved(group_a1, "季度户")
    VisitFactory(file=hfile, visited_on=dt.date(2026, 1, 12))
    board = visit_board_for_user(user=cadre, today=TODAY, mine=False)
    assert [r.name for r in board.done] == [hfile.name]  # January-March is one quarter
    board = visit_board_for_user(user=cadre, today=dt.date(2026, 4, 2), mine=False)
    assert [r.name for r in board.due] == [hfile.name]


def test_a_check_in_due_is_in_the_helpers_monthly_reminder(frozen, group_a1, cadre):
    hfile = relieved(group_a1, "提醒户")
    PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="巩固"), user=cadre)
    relieved(group_a1, "期满户", relieved_on=dt.date(2020, 12, 1), ends=dt.date(2025, 12, 1))
    run(reminders_monthly, month=TODAY)
    digest = ReminderDigest.objects.get(helper=cadre)
    assert [h["name"] for h in digest.payload["households"]] == [hfile.name]
