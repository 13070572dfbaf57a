"""Transfer pages: the unit picker, the inbox and outbox, accept and refuse, and what outsiders get (404)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import AssistancePlan, FileEvent, HardshipFile, PlanHelper
from cases.transfer.models import FileTransfer, TransferStatus
from cases.transfer.services import transfer_request
from cases.workflow import FileStatus
from org.models import Role, UnitKind
from tests.factories import HardshipFileFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(group_a1, cadre):
    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.FILED, created_by=cadre, name="赵铁柱")
    plan = AssistancePlan.objects.create(file=hfile, goal="稳定就业")
    PlanHelper.objects.create(plan=plan, user=cadre)
    return hfile


@pytest.fixture
def pending(household, branch_chair, chair_other_branch, group_b1):
    return transfer_request(hfile=household, to_unit=group_b1, reason="调入乙厂", handover="按月走访", by=branch_chair)


def test_the_unit_picker_lists_every_unit_of_the_federation_by_name_only(
    client_for, household, branch_chair, branch_b, group_b1, group_a2
):
    other_root = UnitFactory(kind=UnitKind.FEDERATION, name_zh="外市总工会", name_en="Elsewhere")
    HardshipFileFactory(unit=group_b1, name="钱秘密")
    response = client_for(branch_chair).get(reverse("cases:transfer_create", args=[household.pk]))
    assert response.status_code == 200
    picker = response.context["form"].fields["to_unit"].choices
    assert {pk for pk, _label in picker if pk} == {
        household.federation_id,
        household.unit.parent_id,
        branch_b.pk,
        group_b1.pk,
        group_a2.pk,
    }
    body = response.content.decode()
    assert "Group B1" in body and "钱秘密" not in body and other_root.name_en not in body


def test_chair_requests_through_the_page_and_the_receiving_chair_accepts(
    client_for, household, branch_chair, chair_other_branch, cadre_other_branch, group_b1
):
    client = client_for(branch_chair)
    response = client.post(
        reverse("cases:transfer_create", args=[household.pk]),
        {"to_unit": group_b1.pk, "reason": "调入乙厂", "handover": "按月走访"},
    )
    transfer = FileTransfer.objects.get()
    assert response.status_code == 302 and response["Location"] == transfer.get_absolute_url()
    assert "A transfer to" in client.get(household.get_absolute_url()).content.decode()

    client = client_for(chair_other_branch)
    inbox = client.get(reverse("cases:transfer_list"))
    assert "赵铁柱" in inbox.content.decode()
    detail = client.get(transfer.get_absolute_url()).content.decode()
    assert "按月走访" in detail and household.id_number not in detail
    response = client.post(
        reverse("cases:transfer_accept", args=[transfer.pk]),
        {
            "helpers-TOTAL_FORMS": "3",
            "helpers-INITIAL_FORMS": "0",
            "helpers-0-user": cadre_other_branch.pk,
            "helpers-0-duty": "结对",
            "note": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == household.get_absolute_url()
    household.refresh_from_db()
    assert household.unit == group_b1
    assert client_for(branch_chair).get(household.get_absolute_url()).status_code == 404


def test_refusal_through_the_page_needs_a_reason(client_for, pending, chair_other_branch, household):
    client = client_for(chair_other_branch)
    url = reverse("cases:transfer_refuse", args=[pending.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Say why the transfer is refused." in response.content.decode()
    assert FileTransfer.objects.get().status == TransferStatus.PENDING
    assert client.post(url, {"reason": "无此职工"}).status_code == 302
    assert FileTransfer.objects.get().status == TransferStatus.REFUSED


def test_posting_a_unit_of_another_federation_says_so_and_saves_nothing(client_for, household, branch_chair):
    other = UnitFactory(kind=UnitKind.BRANCH, parent=UnitFactory(kind=UnitKind.FEDERATION))
    UserFactory(roles=[(other, Role.BRANCH_CHAIR)])
    url = reverse("cases:transfer_create", args=[household.pk])
    for unit_pk in (other.pk, 999999, household.unit_id):
        response = client_for(branch_chair).post(url, {"to_unit": unit_pk, "reason": "调动"})
        assert response.status_code == 200
        assert "federation" in response.content.decode() or "already in" in response.content.decode()
    assert not FileTransfer.objects.exists() and not FileEvent.objects.exists()


def test_second_request_page_sends_back_to_the_file(client_for, pending, branch_chair, household):
    response = client_for(branch_chair).get(reverse("cases:transfer_create", args=[household.pk]))
    assert response.status_code == 302 and response["Location"] == household.get_absolute_url()


def test_the_requesting_chair_cannot_accept_through_the_page(
    client_for, pending, branch_chair, cadre_other_branch, household
):
    response = client_for(branch_chair).post(
        reverse("cases:transfer_accept", args=[pending.pk]),
        {"helpers-TOTAL_FORMS": "1", "helpers-INITIAL_FORMS": "0", "helpers-0-user": cadre_other_branch.pk},
    )
    assert response.status_code == 302
    assert HardshipFile.objects.get(pk=household.pk).unit_id == pending.from_unit_id
    assert FileTransfer.objects.get().status == TransferStatus.PENDING


@pytest.mark.parametrize("persona", ["cadre_a2", "nobody"])
def test_outsiders_cannot_see_count_search_or_change_a_transfer(client_for, request, pending, persona):
    client = client_for(request.getfixturevalue(persona))
    for name in ("transfer_detail", "transfer_accept", "transfer_refuse"):
        assert client.get(reverse(f"cases:{name}", args=[pending.pk])).status_code == 404, name
    assert client.post(reverse("cases:transfer_cancel", args=[pending.pk])).status_code == 404
    for box in ("in", "out"):
        page = client.get(reverse("cases:transfer_list"), {"box": box, "status": "pending"})
        assert "赵铁柱" not in page.content.decode() and page.context["page"].items == []
    assert FileTransfer.objects.get().status == TransferStatus.PENDING


def test_old_unit_keeps_its_outbox_row_but_not_the_file(
    client_for, pending, branch_chair, chair_other_branch, cadre_other_branch, household
):
    from cases.transfer.services import transfer_accept

    transfer_accept(transfer=pending, by=chair_other_branch, helpers=[{"user": cadre_other_branch, "duty": ""}])
    client = client_for(branch_chair)
    outbox = client.get(reverse("cases:transfer_list"), {"box": "out"}).content.decode()
    assert "赵铁柱" in outbox
    detail = client.get(pending.get_absolute_url()).content.decode()
    assert household.get_absolute_url() not in detail
    assert client.get(household.get_absolute_url()).status_code == 404


def test_transfer_list_queries_do_not_grow_with_the_page(
    client_for, branch_chair, chair_other_branch, group_a1, group_b1
):
    def count() -> int:
        client = client_for(chair_other_branch)
        url = reverse("cases:transfer_list")
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    def make(n: int) -> None:
        for hfile in HardshipFileFactory.create_batch(n, unit=group_a1):
            transfer_request(hfile=hfile, to_unit=group_b1, reason="调动", handover="", by=branch_chair)

    make(2)
    few = count()
    make(20)
    assert count() == few <= 6


def test_transfer_pages_speak_chinese(client_for, pending, chair_other_branch):
    client = client_for(chair_other_branch, language="zh-hans")
    body = client.get(reverse("cases:transfer_list")).content.decode()
    assert "转入本单位的困难户" in body
    assert "接收" in client.get(pending.get_absolute_url()).content.decode()
