"""What is due, overdue and done; compliance per unit; flags for missed months; handling flags."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import Tier
from cases.workflow import FileStatus
from tests.factories import MonitoringFlagFactory, VisitFactory
from visits.models import FlagReason, MonitoringFlag, VisitFrequency, VisitKind
from visits.periods import period_bounds
from visits.selectors import compliance_for_user, due_by_helper_for_user, visit_board_for_user
from visits.services import flag_handle, visits_flag_missed

from .conftest import TODAY, filed_file

pytestmark = pytest.mark.django_db
MARCH = dt.date(2026, 3, 1)


def names(rows) -> set[str]:
    return {r.name for r in rows}


def test_quarters_start_in_january_april_july_october():
    assert period_bounds(dt.date(2026, 5, 1), 3) == (dt.date(2026, 4, 1), dt.date(2026, 7, 1))
    assert period_bounds(dt.date(2026, 12, 1), 1) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))


class TestBoard:
    def test_due_overdue_and_done(self, frozen, group_a1, cadre):
        done = filed_file(group_a1, name="甲已访")
        due = filed_file(group_a1, name="乙待访")
        overdue = filed_file(group_a1, name="丙逾期")
        new = filed_file(group_a1, name="丁新建", filed_on=dt.date(2026, 3, 2))
        VisitFactory(file=done, visited_on=dt.date(2026, 3, 3))
        VisitFactory(file=due, visited_on=dt.date(2026, 2, 20))
        board = visit_board_for_user(user=cadre, today=TODAY, mine=False)
        assert names(board.done) == {done.name}
        assert names(board.due) == {due.name, new.name}
        assert names(board.overdue) == {overdue.name}
        assert board.due[0].last_visited_on in (None, dt.date(2026, 2, 20))

    def test_quarterly_tier_is_done_for_the_whole_quarter(self, frozen, group_a1, cadre):
        tier = Tier.objects.order_by("order").last()
        VisitFrequency.objects.update_or_create(tier=tier, defaults={"every_months": 3})
        quarterly = filed_file(group_a1, name="季度户", tier=tier)
        VisitFactory(file=quarterly, visited_on=dt.date(2026, 1, 20))
        board = visit_board_for_user(user=cadre, today=TODAY, mine=False)
        assert names(board.done) == {quarterly.name}

    def test_holiday_window_open_this_month_keeps_the_household_due(self, group_a1, cadre):
        # 2026-02-10: the Spring Festival window (15-23 Feb, visits count from 1 Feb) is open.
        import time_machine

        with time_machine.travel(dt.datetime(2026, 2, 10, 12, 0), tick=False):
            hfile = filed_file(group_a1, name="春节户")
            VisitFactory(file=hfile, visited_on=dt.date(2026, 2, 3))
            board = visit_board_for_user(user=cadre, today=dt.date(2026, 2, 10), mine=False)
            assert names(board.due) == {hfile.name} and board.due[0].holiday_pending
            assert [h.code for h in board.holidays] == ["spring-festival"]
            VisitFactory(file=hfile, visited_on=dt.date(2026, 2, 9), kind=VisitKind.HOLIDAY)
            assert names(visit_board_for_user(user=cadre, today=dt.date(2026, 2, 10), mine=False).done) == {hfile.name}

    def test_mine_is_the_households_i_help(self, filed, group_a1, cadre):
        other = filed_file(group_a1, name="别人的户")
        mine = visit_board_for_user(user=cadre, today=TODAY, mine=True)
        everyone = visit_board_for_user(user=cadre, today=TODAY, mine=False)
        assert names(mine.due + mine.overdue) == {filed.name}
        assert names(everyone.due + everyone.overdue) == {filed.name, other.name}

    def test_out_of_scope_households_never_appear(self, filed, group_b1, cadre_other_branch, cadre):
        filed_file(group_b1, name="乙分会户")
        board = visit_board_for_user(user=cadre, today=TODAY, mine=False)
        assert "乙分会户" not in names(board.due + board.overdue + board.done)
        other = visit_board_for_user(user=cadre_other_branch, today=TODAY, mine=False)
        assert names(other.due + other.overdue) == {"乙分会户"}

    def test_draft_and_closed_files_owe_nothing(self, frozen, group_a1, cadre):
        filed_file(group_a1, name="草稿").__class__.objects.update(status=FileStatus.DRAFT)
        board = visit_board_for_user(user=cadre, today=TODAY, mine=False)
        assert not (board.due or board.overdue or board.done)

    def test_per_helper_counts(self, filed, group_a1, cadre, branch_chair):
        rows = due_by_helper_for_user(user=branch_chair, month=MARCH)
        assert [(r["plan__helpers__user"], r["households"], r["open"], r["overdue"]) for r in rows] == [
            (cadre.pk, 1, 1, 1)
        ]


class TestCompliance:
    def test_per_unit_with_the_units_below(self, frozen, group_a1, group_a2, group_b1, branch_chair, federation_staff):
        a1 = [filed_file(group_a1) for _ in range(2)]
        filed_file(group_a2)
        filed_file(group_b1)
        VisitFactory(file=a1[0], visited_on=dt.date(2026, 3, 2))
        VisitFactory(file=a1[0], visited_on=dt.date(2026, 3, 9), kind=VisitKind.MONITORING)
        rows = {r.name: r for r in compliance_for_user(user=branch_chair, month=MARCH)}
        assert set(rows) == {"Branch A", "Group A1", "Group A2"}
        assert (rows["Group A1"].required, rows["Group A1"].made, rows["Group A1"].visits) == (2, 1, 2)
        assert (rows["Branch A"].required, rows["Branch A"].made, rows["Branch A"].rate) == (3, 1, 33)
        fed = {r.name: r for r in compliance_for_user(user=federation_staff, month=MARCH)}
        assert fed["City federation"].required == 4 and fed["City federation"].depth == 0
        assert fed["Group B1"].depth == 2

    def test_holiday_closing_in_the_month_adds_one_visit_per_household(self, frozen, group_a1, branch_chair):
        hfile = filed_file(group_a1)
        VisitFactory(file=hfile, visited_on=dt.date(2026, 2, 5), kind=VisitKind.HOLIDAY)
        rows = {r.name: r for r in compliance_for_user(user=branch_chair, month=dt.date(2026, 2, 1))}
        assert (rows["Group A1"].required, rows["Group A1"].made) == (2, 2)

    def test_quarterly_households_count_in_the_last_month_of_the_quarter(self, frozen, group_a1, branch_chair):
        tier = Tier.objects.order_by("order").last()
        VisitFrequency.objects.update_or_create(tier=tier, defaults={"every_months": 3})
        hfile = filed_file(group_a1, tier=tier)
        VisitFactory(file=hfile, visited_on=dt.date(2026, 4, 20))
        april = {r.name: r for r in compliance_for_user(user=branch_chair, month=dt.date(2026, 4, 1))}
        june = {r.name: r for r in compliance_for_user(user=branch_chair, month=dt.date(2026, 6, 1))}
        assert april["Group A1"].required == 0 and april["Group A1"].rate is None
        assert (june["Group A1"].required, june["Group A1"].made) == (1, 1)

    def test_nobody_sees_no_units(self, frozen, group_a1, nobody):
        filed_file(group_a1)
        assert compliance_for_user(user=nobody, month=MARCH) == []


class TestMissedMonths:
    def test_two_missed_months_flag_once(self, frozen, group_a1):
        missed = filed_file(group_a1, filed_on=dt.date(2025, 12, 1))
        visited = filed_file(group_a1, filed_on=dt.date(2025, 12, 1))
        recent = filed_file(group_a1, filed_on=dt.date(2026, 2, 3))
        VisitFactory(file=visited, visited_on=dt.date(2026, 2, 27))
        assert visits_flag_missed(month=dt.date(2026, 2, 1)) == 1
        assert visits_flag_missed(month=dt.date(2026, 2, 1)) == 0
        flag = MonitoringFlag.objects.get()
        assert (flag.file, flag.reason, flag.detail) == (missed, FlagReason.MISSED, "2026-01, 2026-02")
        assert recent.monitoring_flags.count() == 0

    def test_quarterly_households_are_not_flagged_for_missed_months(self, frozen, group_a1):
        tier = Tier.objects.order_by("order").last()
        VisitFrequency.objects.update_or_create(tier=tier, defaults={"every_months": 3})
        filed_file(group_a1, filed_on=dt.date(2025, 6, 1), tier=tier)
        assert visits_flag_missed(month=dt.date(2026, 2, 1)) == 0


class TestHandleFlag:
    def test_handled_with_a_note_and_kept_in_history(self, filed, cadre):
        flag = MonitoringFlagFactory(file=filed)
        flag_handle(flag=flag, by=cadre, note="已联系医院，申请医疗救助")
        flag.refresh_from_db()
        assert flag.handled_by == cadre and flag.handled_at and not flag.is_open
        assert [h.history_type for h in flag.history.all()] == ["~", "+"]
        # A new decline can open a new flag now that the first is handled.
        assert MonitoringFlagFactory(file=filed).is_open

    def test_a_note_is_required(self, filed, cadre):
        flag = MonitoringFlagFactory(file=filed)
        with pytest.raises(ValidationError):
            flag_handle(flag=flag, by=cadre, note="  ")
        flag.refresh_from_db()
        assert flag.is_open

    def test_out_of_scope_and_read_only_roles_cannot_handle(self, filed, cadre_other_branch, federation_staff):
        flag = MonitoringFlagFactory(file=filed)
        for user in (cadre_other_branch, federation_staff):
            with pytest.raises(PermissionDenied):
                flag_handle(flag=flag, by=user, note="x")
        flag.refresh_from_db()
        assert flag.is_open

    def test_handled_twice_is_refused(self, filed, cadre):
        flag = MonitoringFlagFactory(file=filed)
        flag_handle(flag=flag, by=cadre, note="好")
        with pytest.raises(ValidationError, match="already handled"):
            flag_handle(flag=flag, by=cadre, note="再次")
