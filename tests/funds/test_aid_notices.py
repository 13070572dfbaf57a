"""Requesters hear of every decision, approvers of what waits for them; each in the reader's language."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import AssistancePlan, PlanHelper
from funds.models import Delegation
from funds.services import (
    aid_payment_reverse,
    aid_request_create,
    aid_request_decide,
    aid_request_pay,
    aid_request_submit,
)
from notices.models import Notification
from org.models import Role
from tests.factories import UserFactory

from .helpers import complete_evidence, filed_household, medical

pytestmark = pytest.mark.django_db


def submitted(household, rich_fund, cadre, invoice="INV-1"):
    request = aid_request_create(hfile=household, data=medical(rich_fund, invoices=[invoice]), by=cadre)
    return aid_request_submit(request=complete_evidence(request, cadre), by=cadre)


def news(user) -> list[tuple[str, str]]:
    """(action, title in English) of the user's aid notifications, oldest first."""
    rows = Notification.objects.filter(user=user, kind="aid.decided").order_by("pk")
    with translation.override("en"):
        return [(n.params["action"], n.title) for n in rows]


def test_requester_hears_of_approval_payment_and_reversal(household, rich_fund, cadre, branch_chair):
    request = submitted(household, rich_fund, cadre)
    request = aid_request_decide(request=request, action="approve", by=branch_chair, comment="urgent, pay today")
    request = aid_request_pay(request=request, by=branch_chair, idempotency_key="k")
    aid_payment_reverse(request=request, by=branch_chair, reason="paid to the wrong account")
    number = request.pk
    assert news(cadre) == [
        ("approve", f"Aid request no. {number} was approved"),
        ("pay", f"Aid request no. {number} was paid"),
        ("reverse", f"The payment of aid request no. {number} was reversed"),
    ]
    reversed_ = Notification.objects.get(user=cadre, params__action="reverse")
    with translation.override("en"):
        assert "Comment: paid to the wrong account" in reversed_.body
        assert f"{household.name} · Medical assistance · 1500.00 yuan" in reversed_.body
    with translation.override("zh-hans"):
        assert reversed_.title == f"第 {number} 号救助申请的付款已冲正"
        assert "医疗救助" in reversed_.body
    assert reversed_.link == request.get_absolute_url()


def test_requester_hears_of_rejection_and_return_with_the_reason(household, rich_fund, cadre, branch_chair, group_a1):
    aid_request_decide(
        request=submitted(household, rich_fund, cadre), action="return", by=branch_chair, comment="bills"
    )
    other = submitted(filed_household(group_a1), rich_fund, cadre, invoice="INV-2")
    aid_request_decide(request=other, action="reject", by=branch_chair, comment="not eligible")
    assert [action for action, _title in news(cadre)] == ["return", "reject"]
    rejected = Notification.objects.get(user=cadre, params__action="reject")
    with translation.override("zh-hans"):
        assert rejected.title == f"第 {other.pk} 号救助申请未获批准"
        assert "意见：not eligible" in rejected.body


def test_an_intermediate_approval_says_the_request_goes_on(household, rich_fund, cadre, branch_chair, federation_staff):
    data = medical(rich_fund, "8000.00", justification="second operation")
    request = aid_request_submit(
        request=complete_evidence(aid_request_create(hfile=household, data=data, by=cadre), cadre), by=cadre
    )
    aid_request_decide(request=request, action="approve", by=branch_chair)
    assert news(cadre) == [
        ("approve_level", f"Aid request no. {request.pk} was approved at level 1 and goes on to the next level")
    ]
    assert Notification.objects.filter(user=federation_staff, kind="aid.waiting").count() == 1


def test_approvers_of_the_level_are_told_but_not_the_requester_a_helper_or_another_branch(
    household, rich_fund, cadre, branch_chair, chair_other_branch, federation_staff, branch_a
):
    helper_chair = UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])
    PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=household, goal="目标"), user=helper_chair)
    deputy = UserFactory(roles=[(branch_a, Role.CADRE)])
    today = timezone.localdate()
    Delegation.objects.create(delegator=branch_chair, delegate=deputy, starts_on=today, ends_on=today)
    old = UserFactory(roles=[(branch_a, Role.CADRE)])
    Delegation.objects.create(
        delegator=branch_chair, delegate=old, starts_on=today - dt.timedelta(days=9), ends_on=today - dt.timedelta(1)
    )
    request = submitted(household, rich_fund, cadre)
    waiting = set(Notification.objects.filter(kind="aid.waiting").values_list("user_id", flat=True))
    assert waiting == {branch_chair.pk, deputy.pk}
    with translation.override("en"):
        assert Notification.objects.filter(user=branch_chair).get().title == (
            f"Aid request no. {request.pk} waits for your decision"
        )
    assert not Notification.objects.filter(user__in=[cadre, chair_other_branch, federation_staff]).exists()


def test_nobody_is_told_of_their_own_step(household, rich_fund, branch_chair, branch_a):
    # A chair requests aid; a second chair of the branch approves; the first, who manages the rich_fund, pays it.
    second = UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])
    request = submitted(household, rich_fund, branch_chair)
    assert set(Notification.objects.values_list("user_id", flat=True)) == {second.pk}
    request = aid_request_decide(request=request, action="approve", by=second)
    aid_request_pay(request=request, by=branch_chair, idempotency_key="k")
    assert [action for action, _title in news(branch_chair)] == ["approve"]
    assert not news(second)


def test_the_notification_list_shows_aid_news_in_the_readers_language(
    client_for, household, rich_fund, cadre, branch_chair
):
    aid_request_decide(request=submitted(household, rich_fund, cadre), action="approve", by=branch_chair)
    chinese = client_for(cadre, "zh-hans").get(reverse("notices:notification_list")).content.decode()
    assert "已获批准" in chinese
    english = client_for(cadre).get(reverse("notices:notification_list")).content.decode()
    assert "was approved" in english
