"""Public notice (公示): the notice list, objections, and filing blocked until the notice allows it."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from cases.models import FileEvent
from cases.notice import mask_id, mask_name, notice_create, notice_end, objection_decide, objection_record
from cases.notice_models import FederationPolicy, ObjectionOutcome, PublicNotice
from cases.services import TransitionNotAllowed, file_transition
from cases.workflow import FileAction, FileStatus

from .helpers import create_file
from .test_lifecycle import investigate

MONDAY = dt.date(2026, 11, 2)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date):
    """Freeze the clock at 10:00 Shanghai time on `day`."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI), tick=False)


def investigated(cadre, chair, unit, **overrides):
    hfile = create_file(by=cadre, unit=unit, **overrides)
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    return investigate(hfile, chair)


def post(chair, unit, files, starts_on=MONDAY, **kwargs):
    return notice_create(unit=unit, by=chair, files=files, title="建档公示", starts_on=starts_on, **kwargs)


def file_it(hfile, chair):
    return file_transition(hfile=hfile, action=FileAction.FILE, by=chair, comment="公示无异议")


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (MONDAY, 5, dt.date(2026, 11, 6)),  # Monday to Friday
        (dt.date(2026, 11, 5), 5, dt.date(2026, 11, 11)),  # Thursday: the weekend is skipped
        (dt.date(2026, 11, 7), 5, dt.date(2026, 11, 13)),  # a Saturday start counts from Monday
        (MONDAY, 1, MONDAY),
    ],
)
def test_the_notice_period_counts_working_days(start, days, end):
    assert notice_end(start, days) == end


@pytest.mark.parametrize(
    ("name", "masked"), [("张三明", "张*明"), ("欧阳小明", "欧**明"), ("李四", "李*"), ("王", "王")]
)
def test_names_are_partly_masked(name, masked):
    assert mask_name(name) == masked


def test_id_numbers_hide_the_birth_date():
    assert mask_id("11010519491231002X") == "110105********002X"


def test_filing_is_blocked_while_the_notice_runs_and_allowed_after(cadre, branch_chair, group_a1, branch_a):
    with at(MONDAY):
        hfile = investigated(cadre, branch_chair, group_a1)
        post(branch_chair, branch_a, [hfile])
    with at(dt.date(2026, 11, 6)), pytest.raises(TransitionNotAllowed, match="until 2026-11-06.*from 2026-11-07"):
        file_it(hfile, branch_chair)
    hfile.refresh_from_db()
    assert hfile.status == FileStatus.INVESTIGATED
    with at(dt.date(2026, 11, 9)):
        assert file_it(hfile, branch_chair).status == FileStatus.FILED
    actions = list(FileEvent.objects.filter(file=hfile).order_by("pk").values_list("action", flat=True))
    assert actions == ["create", "submit", "investigate", "notice", "file"]


def test_a_pending_objection_blocks_filing_until_rejected(cadre, branch_chair, group_a1, branch_a):
    with at(MONDAY):
        hfile = investigated(cadre, branch_chair, group_a1)
        post(branch_chair, branch_a, [hfile])
        objection = objection_record(hfile=hfile, by=cadre, raised_by="匿名", raised_on=MONDAY, content="家有轿车")
    with at(dt.date(2026, 11, 9)):
        with pytest.raises(TransitionNotAllowed, match="still pending"):
            file_it(hfile, branch_chair)
        objection_decide(objection=objection, by=branch_chair, outcome=ObjectionOutcome.REJECTED, note="车辆已报废")
        assert file_it(hfile, branch_chair).status == FileStatus.FILED
    actions = set(FileEvent.objects.filter(file=hfile).values_list("action", flat=True))
    assert {"objection", "objection_decided", "file"} <= actions


def test_an_upheld_objection_blocks_filing(cadre, branch_chair, group_a1, branch_a):
    with at(MONDAY):
        hfile = investigated(cadre, branch_chair, group_a1)
        post(branch_chair, branch_a, [hfile])
        objection = objection_record(hfile=hfile, by=cadre, raised_by="刘某", raised_on=MONDAY, content="收入不实")
        objection_decide(objection=objection, by=branch_chair, outcome=ObjectionOutcome.UPHELD, note="核实属实")
    with at(dt.date(2026, 11, 16)), pytest.raises(TransitionNotAllowed, match="upheld"):
        file_it(hfile, branch_chair)
    hfile.refresh_from_db()
    assert hfile.status == FileStatus.INVESTIGATED


def test_when_notice_is_required_a_household_never_on_notice_cannot_be_filed(cadre, branch_chair, group_a1, federation):
    FederationPolicy.objects.create(federation=federation, notice_required=True)
    hfile = investigated(cadre, branch_chair, group_a1)
    with pytest.raises(TransitionNotAllowed, match="requires a public notice"):
        file_it(hfile, branch_chair)


def test_without_the_requirement_filing_needs_no_notice(cadre, branch_chair, group_a1):
    hfile = investigated(cadre, branch_chair, group_a1)
    assert file_it(hfile, branch_chair).status == FileStatus.FILED


def test_the_federation_sets_the_default_period(cadre, branch_chair, group_a1, branch_a, federation):
    FederationPolicy.objects.create(federation=federation, notice_working_days=7)
    with at(MONDAY):
        notice = post(branch_chair, branch_a, [investigated(cadre, branch_chair, group_a1)])
    assert (notice.working_days, notice.ends_on) == (7, dt.date(2026, 11, 10))


def test_a_household_not_investigated_cannot_go_on_notice(cadre, branch_chair, group_a1, branch_a):
    draft = create_file(by=cadre, unit=group_a1)
    with pytest.raises(ValidationError, match="has not been investigated"):
        post(branch_chair, branch_a, [draft], starts_on=timezone.localdate())
    assert not draft.notice_entries.exists()


def test_a_household_cannot_be_on_two_running_notices(cadre, branch_chair, group_a1, branch_a):
    with at(MONDAY):
        hfile = investigated(cadre, branch_chair, group_a1)
        post(branch_chair, branch_a, [hfile])
        with pytest.raises(ValidationError, match="already on a notice"):
            post(branch_chair, branch_a, [hfile], starts_on=dt.date(2026, 11, 4))
    assert hfile.notice_entries.count() == 1


def test_only_a_chair_over_the_unit_posts_a_notice(cadre, branch_chair, chair_other_branch, group_a1, branch_a):
    hfile = investigated(cadre, branch_chair, group_a1)
    today = timezone.localdate()
    for user in (cadre, chair_other_branch):
        with pytest.raises(PermissionDenied):
            post(user, branch_a, [hfile], starts_on=today)
    assert not hfile.notice_entries.exists()


def test_a_notice_cannot_take_households_of_another_branch(
    cadre_other_branch, chair_other_branch, branch_chair, group_b1, branch_a
):
    other = investigated(cadre_other_branch, chair_other_branch, group_b1)
    with pytest.raises(ValidationError, match="does not belong"):
        post(branch_chair, branch_a, [other], starts_on=timezone.localdate())


def test_a_notice_cannot_start_in_the_past(cadre, branch_chair, group_a1, branch_a):
    hfile = investigated(cadre, branch_chair, group_a1)
    with pytest.raises(ValidationError, match="past"):
        post(branch_chair, branch_a, [hfile], starts_on=timezone.localdate() - dt.timedelta(days=1))


def test_an_objection_needs_a_household_on_notice(cadre, branch_chair, group_a1):
    hfile = investigated(cadre, branch_chair, group_a1)
    with pytest.raises(ValidationError, match="not on public notice"):
        objection_record(hfile=hfile, by=cadre, raised_by="匿名", raised_on=timezone.localdate(), content="不实")
    assert not FileEvent.objects.filter(file=hfile, action="objection").exists()


def test_an_objection_has_who_when_and_what(cadre, branch_chair, group_a1, branch_a):
    with at(MONDAY):
        hfile = investigated(cadre, branch_chair, group_a1)
        post(branch_chair, branch_a, [hfile])
        with pytest.raises(ValidationError) as exc:
            objection_record(hfile=hfile, by=cadre, raised_by=" ", raised_on=dt.date(2026, 11, 1), content="")
    assert set(exc.value.message_dict) == {"raised_by", "raised_on", "content"}


def test_only_a_chair_decides_and_only_once_with_a_note(cadre, branch_chair, chair_other_branch, group_a1, branch_a):
    with at(MONDAY):
        hfile = investigated(cadre, branch_chair, group_a1)
        post(branch_chair, branch_a, [hfile])
        objection = objection_record(hfile=hfile, by=cadre, raised_by="匿名", raised_on=MONDAY, content="不实")
    for user in (cadre, chair_other_branch):
        with pytest.raises(PermissionDenied):
            objection_decide(objection=objection, by=user, outcome=ObjectionOutcome.REJECTED, note="无")
    with pytest.raises(ValidationError, match="Say why"):
        objection_decide(objection=objection, by=branch_chair, outcome=ObjectionOutcome.REJECTED, note="  ")
    objection_decide(objection=objection, by=branch_chair, outcome=ObjectionOutcome.REJECTED, note="经核实不属实")
    with pytest.raises(ValidationError, match="decided already"):
        objection_decide(objection=objection, by=branch_chair, outcome=ObjectionOutcome.UPHELD, note="改判")
    objection.refresh_from_db()
    assert (objection.outcome, objection.decided_by) == (ObjectionOutcome.REJECTED, branch_chair)


def test_a_new_round_of_identification_needs_a_new_notice(cadre, branch_chair, group_a1, branch_a, federation):
    FederationPolicy.objects.create(federation=federation, notice_required=True)
    with at(MONDAY):
        hfile = investigated(cadre, branch_chair, group_a1)
        post(branch_chair, branch_a, [hfile])
        objection = objection_record(hfile=hfile, by=cadre, raised_by="刘某", raised_on=MONDAY, content="收入不实")
        objection_decide(objection=objection, by=branch_chair, outcome=ObjectionOutcome.UPHELD, note="核实属实")
    with at(dt.date(2026, 11, 16)):
        file_transition(hfile=hfile, action=FileAction.RETURN, by=branch_chair, comment="按异议更正收入")
        file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
        investigate(hfile, branch_chair)
        with pytest.raises(TransitionNotAllowed, match="requires a public notice"):
            file_it(hfile, branch_chair)
        post(branch_chair, branch_a, [hfile], starts_on=dt.date(2026, 11, 16))
    with at(dt.date(2026, 11, 23)):
        assert file_it(hfile, branch_chair).status == FileStatus.FILED


@pytest.mark.django_db
def test_the_demo_has_a_running_notice_with_a_pending_objection():
    call_command("seed_demo", files=80, verbosity=0)
    call_command("seed_demo", files=80, verbosity=0)
    notice = PublicNotice.objects.get()
    assert notice.entries.exists() and notice.ends_on >= timezone.localdate()
    assert notice.entries.filter(objections__outcome=ObjectionOutcome.PENDING).count() == 1
