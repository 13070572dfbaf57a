import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import FileEvent, HardshipFile, Investigation
from cases.services import MemberData, TransitionNotAllowed, file_save, file_transition
from cases.workflow import CloseReason, FileAction, FileStatus

from .helpers import create_file, member

TODAY = timezone.localdate


def investigate(hfile, by):
    return file_transition(
        hfile=hfile,
        action=FileAction.INVESTIGATE,
        by=by,
        investigator="张三",
        investigated_on=TODAY(),
        findings="入户核实属实",
    )


def filed_file(cadre, chair, unit):
    hfile = create_file(by=cadre, unit=unit)
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    investigate(hfile, chair)
    return file_transition(hfile=hfile, action=FileAction.FILE, by=chair, comment="无异议")


def test_new_file_derives_identity_and_per_capita_income(cadre, group_a1):
    hfile = create_file(by=cadre, unit=group_a1, members=[member(), member(name="王小红", relation="child", age=12)])
    assert hfile.status == FileStatus.DRAFT
    assert hfile.birth_date == dt.date(
        int(hfile.id_number[6:10]), int(hfile.id_number[10:12]), int(hfile.id_number[12:14])
    )
    assert hfile.household_size == 3
    # 1500 + 300 + 600 + 600 = 3000 over three people
    assert hfile.household_income == Decimal("3000.00")
    assert hfile.per_capita_income == Decimal("1000.00")
    assert FileEvent.objects.get(file=hfile).action == "create"


def test_member_id_number_sets_the_age(cadre, group_a1):
    from cases.demo import resident_id

    birth = dt.date(TODAY().year - 10, 1, 1)
    hfile = create_file(by=cadre, unit=group_a1, members=[member(id_number=resident_id(5, "F", birth), age=None)])
    assert hfile.members.get().age in (9, 10)


def test_per_capita_income_is_rounded_to_the_fen(cadre, group_a1):
    hfile = create_file(
        by=cadre,
        unit=group_a1,
        worker_income=Decimal("1000.00"),
        other_income=Decimal("0"),
        members=[member(monthly_income=Decimal("0")), member(monthly_income=Decimal("0"))],
    )
    assert hfile.per_capita_income == Decimal("333.33")


def test_removing_a_member_recomputes_income(cadre, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    spouse = hfile.members.get()
    file_save(
        by=cadre,
        hfile=hfile,
        data={},
        causes=list(hfile.causes.all()),
        primary_cause=hfile.primary_cause,
        members=[MemberData(fields={}, pk=spouse.pk, delete=True)],
    )
    hfile.refresh_from_db()
    assert hfile.household_size == 1
    assert hfile.per_capita_income == Decimal("1800.00")


def test_whole_lifecycle_records_every_step_with_actor_and_comment(cadre, branch_chair, group_a1):
    hfile = filed_file(cadre, branch_chair, group_a1)
    assert hfile.status == FileStatus.FILED
    assert hfile.filed_on == TODAY()
    assert hfile.review_due_on == TODAY().replace(year=TODAY().year + 1)
    assert Investigation.objects.get(file=hfile).investigator == "张三"
    steps = list(FileEvent.objects.filter(file=hfile).order_by("pk").values_list("action", "actor__username"))
    assert steps == [("create", "cadre"), ("submit", "cadre"), ("investigate", "chair"), ("file", "chair")]
    assert FileEvent.objects.get(file=hfile, action="file").comment == "无异议"

    relieved = file_transition(
        hfile=hfile,
        action=FileAction.RELIEVE,
        by=branch_chair,
        relieved_on=TODAY(),
        relief_reason="就业稳定",
        transition_ends_on=TODAY().replace(year=TODAY().year + 5),
    )
    assert relieved.status == FileStatus.RELIEVED
    assert relieved.review_due_on is None
    reopened = file_transition(hfile=hfile, action=FileAction.REOPEN, by=branch_chair, comment="再次致困")
    assert reopened.status == FileStatus.DRAFT


def test_cadre_cannot_take_a_chairs_step(cadre, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    with pytest.raises(TransitionNotAllowed):
        investigate(hfile, cadre)
    assert HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.SUBMITTED


def test_chair_of_another_branch_cannot_take_a_step(cadre, chair_other_branch, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    with pytest.raises(TransitionNotAllowed):
        investigate(hfile, chair_other_branch)


def test_federation_staff_cannot_file_cards(cadre, branch_chair, federation_staff, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    investigate(hfile, branch_chair)
    with pytest.raises(TransitionNotAllowed):
        file_transition(hfile=hfile, action=FileAction.FILE, by=federation_staff)


@pytest.mark.parametrize("action", [FileAction.FILE, FileAction.RELIEVE, FileAction.REOPEN, FileAction.INVESTIGATE])
def test_steps_not_allowed_from_draft_raise_and_change_nothing(cadre, branch_chair, group_a1, action):
    hfile = create_file(by=cadre, unit=group_a1)
    with pytest.raises(TransitionNotAllowed):
        file_transition(hfile=hfile, action=action, by=branch_chair, comment="x")
    assert HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.DRAFT
    assert FileEvent.objects.filter(file=hfile).count() == 1


def test_filing_needs_a_tier(cadre, branch_chair, group_a1):
    hfile = create_file(by=cadre, unit=group_a1, tier=None)
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    investigate(hfile, branch_chair)
    with pytest.raises(TransitionNotAllowed, match="tier"):
        file_transition(hfile=hfile, action=FileAction.FILE, by=branch_chair)
    assert HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.INVESTIGATED


def test_return_and_reopen_need_a_comment(cadre, branch_chair, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    file_transition(hfile=hfile, action=FileAction.SUBMIT, by=cadre)
    with pytest.raises(TransitionNotAllowed):
        file_transition(hfile=hfile, action=FileAction.RETURN, by=branch_chair, comment="  ")
    returned = file_transition(hfile=hfile, action=FileAction.RETURN, by=branch_chair, comment="请补充收入证明")
    assert returned.status == FileStatus.DRAFT


def test_cadre_cannot_create_a_file_outside_their_units(cadre, group_b1):
    with pytest.raises(PermissionDenied):
        create_file(by=cadre, unit=group_b1)
    assert not HardshipFile.objects.exists()


def test_federation_staff_do_not_draft_files(federation_staff, group_a1):
    with pytest.raises(PermissionDenied):
        create_file(by=federation_staff, unit=group_a1)


def test_closed_file_is_read_only(cadre, branch_chair, group_a1):
    hfile = create_file(by=cadre, unit=group_a1)
    file_transition(hfile=hfile, action=FileAction.CLOSE, by=branch_chair, close_reason=CloseReason.DUPLICATE)
    with pytest.raises(PermissionDenied):
        file_save(by=cadre, hfile=hfile, data={"name": "改名"}, causes=[], primary_cause=None, members=[])
    assert HardshipFile.objects.get(pk=hfile.pk).name == "王小明"


class TestOneOpenFilePerResidentId:
    def test_second_file_in_scope_names_the_existing_one(self, cadre, group_a1):
        first = create_file(by=cadre, unit=group_a1)
        with pytest.raises(ValidationError) as exc:
            create_file(by=cadre, unit=group_a1, id_number=first.id_number)
        message = exc.value.message_dict["id_number"][0]
        assert first.name in message and str(first.pk) in message
        assert HardshipFile.objects.count() == 1

    def test_second_file_out_of_scope_does_not_reveal_the_existing_one(
        self, cadre, cadre_other_branch, group_a1, group_b1
    ):
        first = create_file(by=cadre, unit=group_a1, name="秘密户")
        with pytest.raises(ValidationError) as exc:
            create_file(by=cadre_other_branch, unit=group_b1, id_number=first.id_number)
        message = exc.value.message_dict["id_number"][0]
        assert "秘密户" not in message and str(first.pk) not in message
        assert "another unit" in message

    def test_lowercase_x_is_the_same_id(self, cadre, group_a1):
        first = create_file(by=cadre, unit=group_a1, id_number="11010519491231002X")
        with pytest.raises(ValidationError):
            create_file(by=cadre, unit=group_a1, id_number="11010519491231002x")
        assert first.id_number.endswith("X")

    def test_a_closed_file_frees_the_id(self, cadre, branch_chair, group_a1):
        first = create_file(by=cadre, unit=group_a1)
        file_transition(hfile=first, action=FileAction.CLOSE, by=branch_chair, close_reason=CloseReason.INELIGIBLE)
        second = create_file(by=cadre, unit=group_a1, id_number=first.id_number)
        assert second.pk != first.pk
        with pytest.raises(TransitionNotAllowed, match="already has an open file"):
            file_transition(hfile=first, action=FileAction.REOPEN, by=branch_chair, comment="误关")
        assert HardshipFile.objects.get(pk=first.pk).status == FileStatus.CLOSED

    def test_database_refuses_a_second_open_file(self, file_a1):
        from django.db import IntegrityError, transaction

        clone = HardshipFile.objects.get(pk=file_a1.pk)
        clone.pk = None
        with pytest.raises(IntegrityError), transaction.atomic():
            clone.save()
