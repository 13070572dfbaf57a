"""Aid requests end to end through the services: request, approve at one or two levels, reserve, pay, reverse."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import AssistancePlan, PlanHelper
from cases.workflow import FileStatus
from funds.models import AidDecision, AidInvoice, AidRequest, Delegation, FundBalance
from funds.services import (
    LedgerError,
    aid_payment_reverse,
    aid_request_create,
    aid_request_decide,
    aid_request_pay,
    aid_request_submit,
    aid_request_update,
    transaction_reverse,
)
from funds.workflow import AidStatus
from org.models import Role
from tests.factories import HardshipFileFactory, MemberFactory, UserFactory, funded

from .helpers import aid_type, assert_ledger_consistent, filed_household, ledger_snapshot, medical, submit

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def fund(group_a1):
    return funded(group_a1, "10000.00")


@pytest.fixture
def household(group_a1):
    return filed_household(group_a1)


def submitted(household, fund, cadre, amount="1500.00", **kw):
    request = aid_request_create(hfile=household, data=medical(fund, amount, **kw), by=cadre)
    return submit(request, cadre)


def balance(fund) -> tuple:
    row = FundBalance.objects.get(fund=fund)
    return row.available, row.reserved


def test_request_gets_the_suggested_amount_from_the_medical_rule(household, fund, cadre):
    request = aid_request_create(hfile=household, data=medical(fund), by=cadre)
    assert request.status == AidStatus.DRAFT
    assert request.suggested_amount == D("1500.00")
    assert list(request.invoices.values_list("number", flat=True)) == ["INV-1"]


def test_branch_chair_approves_a_small_request_which_reserves_then_pays(household, fund, cadre, branch_chair):
    request = submitted(household, fund, cadre)
    assert (request.level, request.approver_role) == (1, Role.BRANCH_CHAIR)
    request = aid_request_decide(request=request, action="approve", by=branch_chair, comment="ok")
    assert request.status == AidStatus.APPROVED
    assert balance(fund) == (D("8500.00"), D("1500.00"))
    request = aid_request_pay(request=request, by=branch_chair, idempotency_key="k1")
    assert request.status == AidStatus.PAID
    assert balance(fund) == (D("8500.00"), D("0.00"))
    assert [d.action for d in request.decisions.all()] == ["create", "submit", "approve", "pay"]
    assert_ledger_consistent()


def test_double_click_on_pay_pays_once(household, fund, cadre, branch_chair):
    request = aid_request_decide(request=submitted(household, fund, cadre), action="approve", by=branch_chair)
    first = aid_request_pay(request=request, by=branch_chair, idempotency_key="same")
    again = aid_request_pay(request=request, by=branch_chair, idempotency_key="same")
    assert first.payment_id == again.payment_id
    assert balance(fund) == (D("8500.00"), D("0.00"))
    with pytest.raises(LedgerError, match="approved"):
        aid_request_pay(request=request, by=branch_chair, idempotency_key="another")


def test_large_request_goes_on_to_federation_staff(household, fund, cadre, branch_chair, federation_staff, federation):
    request = submitted(household, fund, cadre, "6000.00", justification="long treatment ahead")
    request = aid_request_decide(request=request, action="approve", by=branch_chair)
    assert request.status == AidStatus.IN_APPROVAL
    assert (request.level, request.approver_role, request.approver_unit) == (2, Role.FEDERATION_STAFF, federation)
    assert balance(fund) == (D("10000.00"), D("0.00"))
    with pytest.raises(PermissionDenied):
        aid_request_decide(request=request, action="approve", by=branch_chair)
    request = aid_request_decide(request=request, action="approve", by=federation_staff)
    assert request.status == AidStatus.APPROVED
    assert list(request.decisions.filter(action="approve").values_list("level", flat=True)) == [1, 2]


def test_reject_and_return_need_a_reason_and_record_it(household, fund, cadre, branch_chair):
    request = submitted(household, fund, cadre)
    with pytest.raises(ValidationError):
        aid_request_decide(request=request, action="reject", by=branch_chair, comment=" ")
    request = aid_request_decide(request=request, action="return", by=branch_chair, comment="add the bills")
    assert request.status == AidStatus.RETURNED
    aid_request_update(request=request, data=medical(fund, "1000.00"), by=cadre)
    request = aid_request_submit(request=request, by=cadre)
    request = aid_request_decide(request=request, action="reject", by=branch_chair, comment="covered elsewhere")
    assert request.status == AidStatus.REJECTED
    last = AidDecision.objects.filter(request=request).last()
    assert (last.actor, last.comment, last.level) == (branch_chair, "covered elsewhere", 1)


# Separation of duties, scope and delegation.


def test_chair_cannot_approve_own_request(household, fund, branch_chair, branch_a):
    UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])  # a second chair: the request waits at the branch for them
    request = submitted(household, fund, branch_chair)
    assert request.approver_unit == branch_a
    with pytest.raises(PermissionDenied, match="they made"):
        aid_request_decide(request=request, action="approve", by=branch_chair)


def test_chair_cannot_approve_for_a_household_they_help(household, fund, cadre, branch_chair):
    plan = AssistancePlan.objects.create(file=household, goal="work")
    PlanHelper.objects.create(plan=plan, user=branch_chair)
    request = submitted(household, fund, cadre)
    with pytest.raises(PermissionDenied, match="helper"):
        aid_request_decide(request=request, action="approve", by=branch_chair)


def test_chair_of_another_branch_cannot_approve(household, fund, cadre, chair_other_branch):
    request = submitted(household, fund, cadre)
    with pytest.raises(PermissionDenied):
        aid_request_decide(request=request, action="approve", by=chair_other_branch)
    assert AidRequest.objects.get(pk=request.pk).status == AidStatus.IN_APPROVAL


def test_acting_chair_approves_while_the_chair_is_away_and_both_names_are_recorded(
    household, fund, cadre, branch_chair, branch_a
):
    deputy = UserFactory(roles=[(branch_a, Role.CADRE)])
    today = timezone.localdate()
    request = submitted(household, fund, cadre)
    with pytest.raises(PermissionDenied):
        aid_request_decide(request=request, action="approve", by=deputy)
    Delegation.objects.create(delegator=branch_chair, delegate=deputy, starts_on=today, ends_on=today)
    request = aid_request_decide(request=request, action="approve", by=deputy)
    decision = request.decisions.get(action="approve")
    assert (decision.actor, decision.on_behalf_of) == (deputy, branch_chair)


def test_expired_delegation_gives_no_authority(household, fund, cadre, branch_chair, branch_a):
    deputy = UserFactory(roles=[(branch_a, Role.CADRE)])
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Delegation.objects.create(delegator=branch_chair, delegate=deputy, starts_on=yesterday, ends_on=yesterday)
    with pytest.raises(PermissionDenied):
        aid_request_decide(request=submitted(household, fund, cadre), action="approve", by=deputy)


# Bad input: a clear message, nothing saved, the ledger unchanged.


@pytest.mark.parametrize("amount", ["0", "-5", "1000000000"])
def test_zero_negative_or_absurd_amount_is_refused(household, fund, cadre, amount):
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=medical(fund, amount), by=cadre)
    assert "requested_amount" in exc.value.message_dict
    assert not AidRequest.objects.exists() and not AidInvoice.objects.exists()


def test_more_than_the_suggestion_needs_a_justification(household, fund, cadre):
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=medical(fund, "1500.01"), by=cadre)
    assert "suggested 1500.00" in exc.value.message_dict["justification"][0]
    assert not AidRequest.objects.exists()
    data = medical(fund, "1500.01", justification="a second operation is planned")
    assert aid_request_create(hfile=household, data=data, by=cadre).requested_amount == D("1500.01")


def test_an_invoice_number_is_claimed_once_in_the_federation(household, fund, cadre, group_b1, cadre_other_branch):
    aid_request_create(hfile=household, data=medical(fund, invoices=["inv-1"]), by=cadre)
    other = filed_household(group_b1)
    with pytest.raises(ValidationError, match="INV-1"):
        aid_request_create(hfile=other, data=medical(funded(group_b1), invoices=["INV-1"]), by=cadre_other_branch)
    assert AidRequest.objects.count() == 1 and AidInvoice.objects.count() == 1


def test_approval_with_too_little_money_reserves_nothing(household, group_a1, cadre, branch_chair):
    poor = funded(group_a1, "1000.00", name="poor")
    request = submitted(household, poor, cadre)
    before = ledger_snapshot()
    with pytest.raises(LedgerError, match="only 1000.00 yuan available"):
        aid_request_decide(request=request, action="approve", by=branch_chair)
    assert ledger_snapshot() == before
    assert AidRequest.objects.get(pk=request.pk).status == AidStatus.IN_APPROVAL
    assert not AidDecision.objects.filter(action="approve").exists()


def test_paying_a_request_that_is_not_approved_is_refused(household, fund, cadre, branch_chair):
    request = submitted(household, fund, cadre)
    before = ledger_snapshot()
    with pytest.raises(LedgerError, match="Only an approved request"):
        aid_request_pay(request=request, by=branch_chair, idempotency_key="k")
    assert ledger_snapshot() == before


def test_cadre_cannot_pay(household, fund, cadre, branch_chair):
    request = aid_request_decide(request=submitted(household, fund, cadre), action="approve", by=branch_chair)
    with pytest.raises(PermissionDenied):
        aid_request_pay(request=request, by=cadre, idempotency_key="k")


def test_payment_reversal_returns_the_money_to_the_reservation_and_cannot_itself_be_reversed(
    household, fund, cadre, branch_chair
):
    request = aid_request_decide(request=submitted(household, fund, cadre), action="approve", by=branch_chair)
    request = aid_request_pay(request=request, by=branch_chair, idempotency_key="k")
    payment = request.payment
    with pytest.raises(ValidationError):
        aid_payment_reverse(request=request, by=branch_chair, reason="")
    request = aid_payment_reverse(request=request, by=branch_chair, reason="bank returned it")
    assert request.status == AidStatus.APPROVED
    assert balance(fund) == (D("8500.00"), D("1500.00"))
    before = ledger_snapshot()
    with pytest.raises(LedgerError, match="Only a paid request"):
        aid_payment_reverse(request=request, by=branch_chair, reason="again")
    with pytest.raises(LedgerError, match="A reversal cannot be reversed"):
        transaction_reverse(txn=payment.reversal, by=branch_chair, reason="undo")
    assert ledger_snapshot() == before
    assert aid_request_pay(request=request, by=branch_chair, idempotency_key="k2").status == AidStatus.PAID
    assert_ledger_consistent()


def test_only_filed_households_except_for_temporary_relief(group_a1, fund, cadre):
    draft = HardshipFileFactory(unit=group_a1, status=FileStatus.DRAFT)
    with pytest.raises(ValidationError, match="only for filed"):
        aid_request_create(hfile=draft, data=medical(fund), by=cadre)
    data = medical(fund, "1000.00")
    data.aid_type = aid_type("temporary")
    assert aid_request_create(hfile=draft, data=data, by=cadre).suggested_amount == D("1000.00")


def test_education_needs_a_child_of_the_household(household, fund, cadre, group_a1):
    data = medical(fund, "3000.00")
    data.aid_type, data.stage = aid_type("education"), "college"
    stranger = MemberFactory(file=filed_household(group_a1))
    for child in (None, stranger):
        data.child = child
        with pytest.raises(ValidationError, match="child of this household"):
            aid_request_create(hfile=household, data=data, by=cadre)
    data.child = MemberFactory(file=household, relation="child", age=19)
    assert aid_request_create(hfile=household, data=data, by=cadre).suggested_amount == D("3000.00")


def test_fund_must_be_the_households_or_above_and_in_scope(household, cadre, group_a2):
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=medical(funded(group_a2)), by=cadre)
    assert "fund" in exc.value.message_dict


def test_prior_aid_this_year_lowers_the_suggestion(household, fund, cadre, branch_chair):
    first = aid_request_decide(
        request=submitted(household, fund, cadre, invoices=["A"]), action="approve", by=branch_chair
    )
    aid_request_pay(request=first, by=branch_chair, idempotency_key="k")
    rule = aid_type("medical").rule
    rule.yearly_cap = D("2000")
    rule.save()
    second = aid_request_create(hfile=household, data=medical(fund, "500.00", invoices=["B"]), by=cadre)
    assert second.suggested_amount == D("500.00")


def test_a_payment_or_reservation_is_reversed_only_through_its_request(household, fund, cadre, branch_chair):
    request = aid_request_decide(request=submitted(household, fund, cadre), action="approve", by=branch_chair)
    request = aid_request_pay(request=request, by=branch_chair, idempotency_key="k")
    before = ledger_snapshot()
    for txn in (request.payment, request.reservation):
        with pytest.raises(LedgerError, match="belongs to an aid request"):
            transaction_reverse(txn=txn, by=branch_chair, reason="by hand from the statement")
    assert ledger_snapshot() == before
    request.refresh_from_db()
    assert request.status == AidStatus.PAID


def test_a_pay_form_from_before_a_reversal_does_not_mark_the_request_paid(household, fund, cadre, branch_chair):
    request = aid_request_decide(request=submitted(household, fund, cadre), action="approve", by=branch_chair)
    request = aid_request_pay(request=request, by=branch_chair, idempotency_key="form-1")
    request = aid_payment_reverse(request=request, by=branch_chair, reason="bank returned it")
    before = ledger_snapshot()
    with pytest.raises(LedgerError, match="already used"):
        aid_request_pay(request=request, by=branch_chair, idempotency_key="form-1")
    assert ledger_snapshot() == before
    request.refresh_from_db()
    assert request.status == AidStatus.APPROVED
    assert balance(fund) == (D("8500.00"), D("1500.00"))
    assert aid_request_pay(request=request, by=branch_chair, idempotency_key="form-2").status == AidStatus.PAID
    assert_ledger_consistent()
