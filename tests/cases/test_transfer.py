"""Transfer between units: request by the old unit's chair, acceptance or refusal by the new one's, records follow."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import AssistancePlan, FileEvent, HardshipFile, LivingStandard, PlanHelper
from cases.selectors import file_get_for_user, file_list_for_user
from cases.transfer.models import FileTransfer, TransferStatus
from cases.transfer.selectors import transfer_target_choices
from cases.transfer.services import transfer_accept, transfer_cancel, transfer_refuse, transfer_request
from cases.workflow import FileRecord, FileStatus
from funds.models import AidDecision, AidRequest
from funds.services import aid_request_create, aid_request_decide, aid_request_submit
from funds.workflow import AidStatus
from notices.models import Notification
from org.models import Locality, Role, UnitKind
from tests.factories import (
    HardshipFileFactory,
    MonitoringFlagFactory,
    UnitFactory,
    UserFactory,
    VisitAttachmentFactory,
    VisitFactory,
    funded,
)
from tests.funds.helpers import medical, submit
from visits.models import MonitoringFlag, Visit, VisitAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(group_a1, cadre):
    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, created_by=cadre)
    plan = AssistancePlan.objects.create(file=hfile, goal="稳定就业")
    PlanHelper.objects.create(plan=plan, user=cadre, duty="工会干部")
    return hfile


def snapshot(hfile: HardshipFile) -> tuple:
    """Everything a refused request or decision must leave as it was."""
    hfile.refresh_from_db()
    return (
        hfile.unit_id,
        list(FileTransfer.objects.order_by("pk").values_list("pk", "status")),
        FileEvent.objects.filter(file=hfile).count(),
        list(PlanHelper.objects.filter(plan__file=hfile).values_list("user_id", flat=True)),
    )


def request(household, branch_chair, to_unit, **kw):
    data = {"reason": "工人调入乙厂", "handover": "每月药费约800元，春节前需慰问。", **kw}
    return transfer_request(hfile=household, to_unit=to_unit, by=branch_chair, **data)


def test_request_keeps_the_household_with_the_old_unit_until_accepted(
    household, branch_chair, chair_other_branch, group_b1, cadre
):
    transfer = request(household, branch_chair, group_b1)
    household.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING
    assert household.unit_id == transfer.from_unit_id != group_b1.pk
    assert file_get_for_user(user=cadre, pk=household.pk) == household
    assert not file_list_for_user(user=chair_other_branch).filter(pk=household.pk).exists()
    event = FileEvent.objects.get(file=household, action=FileRecord.TRANSFER_REQUEST)
    assert event.actor == branch_chair and "工人调入乙厂" in event.comment
    note = Notification.objects.get(user=chair_other_branch)
    assert note.kind == "cases.transfer_requested" and note.link == transfer.get_absolute_url()


def test_acceptance_moves_the_file_and_the_old_unit_loses_it(
    household, branch_chair, chair_other_branch, cadre, cadre_other_branch, group_b1
):
    transfer = request(household, branch_chair, group_b1)
    transfer_accept(
        transfer=transfer,
        by=chair_other_branch,
        helpers=[{"user": cadre_other_branch, "duty": "结对帮扶"}],
        note="接收",
    )
    household.refresh_from_db()
    assert household.unit == group_b1
    for outsider in (branch_chair, cadre):
        assert not file_list_for_user(user=outsider).filter(pk=household.pk).exists()
    assert file_get_for_user(user=cadre_other_branch, pk=household.pk) == household
    assert list(PlanHelper.objects.filter(plan__file=household).values_list("user", "duty")) == [
        (cadre_other_branch.pk, "结对帮扶")
    ]
    actions = list(FileEvent.objects.filter(file=household).order_by("pk").values_list("action", "actor"))
    assert actions == [
        (FileRecord.TRANSFER_REQUEST, branch_chair.pk),
        (FileRecord.TRANSFER_ACCEPT, chair_other_branch.pk),
    ]
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by, transfer.decision_note) == (
        TransferStatus.ACCEPTED,
        chair_other_branch,
        "接收",
    )
    assert Notification.objects.filter(user=cadre_other_branch, kind="cases.transfer_handed_over").exists()
    assert Notification.objects.filter(user=branch_chair, kind="cases.transfer_accepted").exists()


def test_visits_attachments_and_flags_follow_the_file(
    household, branch_chair, chair_other_branch, cadre, cadre_other_branch, group_b1
):
    visit = VisitFactory(file=household)
    attachment = VisitAttachmentFactory(visit=visit)
    flag = MonitoringFlagFactory(file=household)
    transfer = request(household, branch_chair, group_b1)
    transfer_accept(transfer=transfer, by=chair_other_branch, helpers=[{"user": cadre_other_branch, "duty": ""}])
    for model, row in ((Visit, visit), (VisitAttachment, attachment), (MonitoringFlag, flag)):
        assert model.objects.visible_to(cadre_other_branch).filter(pk=row.pk).exists(), model
        assert not model.objects.visible_to(cadre).filter(pk=row.pk).exists(), model
        assert not model.objects.visible_to(branch_chair).filter(pk=row.pk).exists(), model


def test_open_aid_request_reroutes_to_the_new_units_approver(
    household, branch_chair, chair_other_branch, cadre, cadre_other_branch, group_a1, group_a2, branch_a
):
    """Within a branch the branch fund stays usable: the request keeps waiting, now for the new unit's approver."""
    fund = funded(branch_a, "10000.00")
    branch_chair_2 = UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])
    aid = aid_request_create(hfile=household, data=medical(fund), by=branch_chair)
    aid = submit(aid, branch_chair)
    transfer = request(household, branch_chair, group_a2)
    transfer_accept(transfer=transfer, by=branch_chair_2, helpers=[{"user": branch_chair_2, "duty": ""}])
    aid.refresh_from_db()
    assert (aid.status, aid.approver_unit, aid.level) == (AidStatus.IN_APPROVAL, branch_a, 1)
    assert AidRequest.objects.visible_to(cadre).filter(pk=aid.pk).count() == 0


def test_aid_request_on_a_fund_the_new_unit_cannot_use_goes_back_to_the_requester(
    household, branch_chair, chair_other_branch, cadre, cadre_other_branch, group_a1, group_b1, branch_b
):
    aid = submit(aid_request_create(hfile=household, data=medical(funded(group_a1, "9000.00")), by=cadre), cadre)
    transfer = request(household, branch_chair, group_b1)
    transfer_accept(transfer=transfer, by=chair_other_branch, helpers=[{"user": cadre_other_branch, "duty": ""}])
    aid.refresh_from_db()
    assert (aid.status, aid.approver_unit) == (AidStatus.RETURNED, None)
    back = AidDecision.objects.filter(request=aid).last()
    assert back.action == "return" and back.actor == chair_other_branch and "Group B1" in back.comment
    assert AidRequest.objects.visible_to(cadre_other_branch).filter(pk=aid.pk).exists()
    # Resubmitting on the old fund is refused: the new unit picks one of its own.
    with pytest.raises(ValidationError) as exc:
        aid_request_submit(request=aid, by=cadre_other_branch)
    assert "fund" in exc.value.messages[0]
    new_fund = funded(group_b1, "9000.00")
    aid.fund = new_fund
    aid.save(update_fields=["fund"])
    aid = aid_request_submit(request=aid, by=cadre_other_branch)
    assert aid.approver_unit == branch_b
    aid_request_decide(request=aid, action="approve", by=chair_other_branch)


def test_money_reserved_in_the_old_units_fund_blocks_the_transfer(
    household, branch_chair, chair_other_branch, cadre, group_a1, group_b1
):
    aid = submit(aid_request_create(hfile=household, data=medical(funded(group_a1, "9000.00")), by=cadre), cadre)
    aid_request_decide(request=aid, action="approve", by=branch_chair)
    before = snapshot(household)
    with pytest.raises(ValidationError) as exc:
        request(household, branch_chair, group_b1)
    assert f"no. {aid.pk}" in exc.value.messages[0]
    assert snapshot(household) == before


def test_refusal_needs_a_reason_and_leaves_the_household(household, branch_chair, chair_other_branch, group_b1):
    transfer = request(household, branch_chair, group_b1)
    before = snapshot(household)
    with pytest.raises(ValidationError):
        transfer_refuse(transfer=transfer, by=chair_other_branch, reason="  ")
    assert snapshot(household) == before
    transfer_refuse(transfer=transfer, by=chair_other_branch, reason="该职工未入职本单位")
    household.refresh_from_db()
    transfer.refresh_from_db()
    assert household.unit_id != group_b1.pk and transfer.status == TransferStatus.REFUSED
    event = FileEvent.objects.get(file=household, action=FileRecord.TRANSFER_REFUSE)
    assert event.actor == chair_other_branch and "该职工未入职本单位" in event.comment
    assert Notification.objects.filter(user=branch_chair, kind="cases.transfer_refused").exists()
    # Refused, a new request may be made.
    assert request(household, branch_chair, group_b1).status == TransferStatus.PENDING


def test_the_old_chair_may_withdraw_a_pending_request(household, branch_chair, chair_other_branch, group_b1):
    transfer = request(household, branch_chair, group_b1)
    with pytest.raises(PermissionDenied):
        transfer_cancel(transfer=transfer, by=chair_other_branch)
    transfer_cancel(transfer=transfer, by=branch_chair, reason="工人未调动")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    with pytest.raises(ValidationError):
        transfer_accept(transfer=transfer, by=chair_other_branch, helpers=[])


# Bad input: a clear message and nothing saved.


def test_transfer_to_another_federation_is_refused(household, branch_chair):
    other_root = UnitFactory(kind=UnitKind.FEDERATION)
    other_branch = UnitFactory(kind=UnitKind.BRANCH, parent=other_root)
    UserFactory(roles=[(other_branch, Role.BRANCH_CHAIR)])
    before = snapshot(household)
    with pytest.raises(ValidationError) as exc:
        request(household, branch_chair, other_branch)
    assert "federation" in exc.value.messages[0]
    assert snapshot(household) == before
    assert other_branch.pk not in dict(transfer_target_choices(hfile=household))


def test_transfer_to_an_inactive_unit_or_below_one_is_refused(household, branch_chair, branch_b, group_b1):
    branch_b.is_active = False
    branch_b.save()
    before = snapshot(household)
    for unit in (branch_b, group_b1):
        with pytest.raises(ValidationError):
            request(household, branch_chair, unit)
    assert snapshot(household) == before
    assert {branch_b.pk, group_b1.pk}.isdisjoint(dict(transfer_target_choices(hfile=household)))


def test_transfer_to_the_same_unit_is_refused(household, branch_chair, group_a1):
    before = snapshot(household)
    with pytest.raises(ValidationError) as exc:
        request(household, branch_chair, group_a1)
    assert "already in" in exc.value.messages[0]
    assert snapshot(household) == before


def test_a_second_pending_transfer_is_refused(household, branch_chair, chair_other_branch, group_b1, group_a2):
    request(household, branch_chair, group_b1)
    before = snapshot(household)
    with pytest.raises(ValidationError) as exc:
        request(household, branch_chair, group_a2)
    assert "already has a transfer" in exc.value.messages[0]
    assert snapshot(household) == before


def test_a_unit_nobody_chairs_cannot_receive(household, branch_chair, federation):
    lonely = UnitFactory(kind=UnitKind.BRANCH, parent=federation)
    before = snapshot(household)
    with pytest.raises(ValidationError) as exc:
        request(household, branch_chair, lonely)
    assert "Nobody chairs" in exc.value.messages[0]
    assert snapshot(household) == before


def test_only_the_old_units_chair_may_request(household, cadre, chair_other_branch, group_b1, group_a2):
    before = snapshot(household)
    for person in (cadre, chair_other_branch):
        with pytest.raises(PermissionDenied):
            request(household, person, group_a2)
    assert snapshot(household) == before


def test_a_closed_file_cannot_be_transferred(household, branch_chair, chair_other_branch, group_b1):
    HardshipFile.objects.filter(pk=household.pk).update(status=FileStatus.CLOSED)
    with pytest.raises(ValidationError):
        request(household, branch_chair, group_b1)
    assert not FileTransfer.objects.exists()


def test_a_chair_of_another_unit_cannot_accept(
    household, branch_chair, chair_other_branch, cadre_other_branch, group_b1
):
    transfer = request(household, branch_chair, group_b1)
    before = snapshot(household)
    # The requesting chair holds branch A, not the receiving group in branch B.
    for person in (branch_chair, cadre_other_branch):
        with pytest.raises(PermissionDenied):
            transfer_accept(transfer=transfer, by=person, helpers=[{"user": cadre_other_branch, "duty": ""}])
        with pytest.raises(PermissionDenied):
            transfer_refuse(transfer=transfer, by=person, reason="不接收")
    assert snapshot(household) == before


def test_accepting_needs_helpers_of_the_new_unit(household, branch_chair, chair_other_branch, cadre, group_b1):
    transfer = request(household, branch_chair, group_b1)
    before = snapshot(household)
    with pytest.raises(ValidationError) as exc:
        transfer_accept(transfer=transfer, by=chair_other_branch, helpers=[])
    assert "at least one" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        transfer_accept(transfer=transfer, by=chair_other_branch, helpers=[{"user": cadre, "duty": ""}])
    assert "role in" in exc.value.messages[0]
    assert snapshot(household) == before


def test_a_household_without_a_plan_is_accepted_without_helpers(group_a1, branch_chair, chair_other_branch, group_b1):
    hfile = HardshipFileFactory(unit=group_a1)
    transfer = request(hfile, branch_chair, group_b1)
    transfer_accept(transfer=transfer, by=chair_other_branch, helpers=[])
    hfile.refresh_from_db()
    assert hfile.unit == group_b1 and hfile.status == FileStatus.DRAFT


def test_the_new_units_living_standard_gives_the_suggestion(household, branch_chair, chair_other_branch, group_b1):
    locality = Locality.objects.create(code="530100", name_zh="昆明市")
    group_b1.locality = locality
    group_b1.save()
    LivingStandard.objects.create(locality=locality, year=timezone.localdate().year, monthly_amount=Decimal("2000"))
    transfer = request(household, branch_chair, group_b1)
    transfer_accept(transfer=transfer, by=chair_other_branch, helpers=[{"user": chair_other_branch, "duty": ""}])
    household.refresh_from_db()
    assert (household.tier_basis["locality_zh"], household.tier_basis["standard"]) == ("昆明市", "2000.00")
