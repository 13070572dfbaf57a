"""Escalation: a request left waiting too long at one level goes to the next level up, once."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from funds.models import AidDecision, AidRequest
from funds.services import aid_request_create, aid_request_decide, aid_request_submit, aid_requests_escalate
from funds.tasks import aid_escalate_task
from funds.workflow import AidAction, AidStatus
from hardship.celery import app
from notices.models import Notification
from org.models import Role
from tests.concurrency import race

from .helpers import assert_ledger_consistent, complete_evidence, filed_household, medical

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def submitted(group_a1, rich_fund, cadre, amount="1500.00", invoice="INV-1") -> AidRequest:
    data = medical(rich_fund, amount, [invoice], justification="a second operation is planned")
    request = aid_request_create(hfile=filed_household(group_a1), data=data, by=cadre)
    return aid_request_submit(request=complete_evidence(request, cadre), by=cadre)


def after(days: float):
    return time_machine.travel(START + dt.timedelta(days=days), tick=False)


def test_waiting_too_long_escalates_to_federation_staff_once_who_are_told_and_may_approve(
    group_a1, rich_fund, cadre, branch_chair, federation_staff, federation
):
    with after(0):
        request = submitted(group_a1, rich_fund, cadre)
    with after(6.9):
        assert aid_requests_escalate() == 0
    with after(8):
        assert aid_requests_escalate() == 1
        assert aid_requests_escalate() == 0  # the same day again: nothing more
    request.refresh_from_db()
    assert (request.status, request.level, request.approver_role) == (AidStatus.IN_APPROVAL, 2, Role.FEDERATION_STAFF)
    assert request.approver_unit == federation
    escalation = request.decisions.get(action=AidAction.ESCALATE)
    assert (escalation.actor, escalation.level) == (None, 2)
    told = Notification.objects.get(user=federation_staff, kind="aid.waiting")
    assert told.params["days"] == 8 and told.link == request.get_absolute_url()
    assert "Escalated to you after 8 days" in told.body
    assert Notification.objects.get(user=cadre, params__action="escalate").kind == "aid.decided"
    with pytest.raises(PermissionDenied):
        aid_request_decide(request=request, action="approve", by=branch_chair)
    with after(9):
        request = aid_request_decide(request=request, action="approve", by=federation_staff)
    # A small request's chain ends at the branch: the escalated approval is the last one and reserves the money.
    assert request.status == AidStatus.APPROVED and request.reservation.kind == "reservation"
    assert_ledger_consistent()


def test_a_large_request_escalated_from_the_branch_still_needs_only_the_federation(
    group_a1, rich_fund, cadre, federation_staff
):
    with after(0):
        request = submitted(group_a1, rich_fund, cadre, amount="8000.00")
    with after(10):
        aid_requests_escalate()
        request = aid_request_decide(
            request=AidRequest.objects.get(pk=request.pk), action="approve", by=federation_staff
        )
    assert request.status == AidStatus.APPROVED
    assert request.reservation is not None


def test_a_request_at_the_top_level_stays_where_it_is(group_a1, rich_fund, cadre, branch_chair, federation_staff):
    with after(0):
        request = submitted(group_a1, rich_fund, cadre, amount="8000.00")
        request = aid_request_decide(request=request, action="approve", by=branch_chair)
    assert request.approver_role == Role.FEDERATION_STAFF
    with after(30):
        assert aid_requests_escalate() == 0
    assert not AidDecision.objects.filter(action=AidAction.ESCALATE).exists()


def test_the_wait_counts_from_the_level_the_request_reached_not_from_the_submission(
    group_a1, rich_fund, cadre, branch_chair, settings
):
    settings.HARDSHIP = {**settings.HARDSHIP, "AID_ESCALATE_AFTER_DAYS": 3}
    with after(0):
        request = submitted(group_a1, rich_fund, cadre)
    with after(2):
        aid_request_decide(request=request, action="return", by=branch_chair, comment="the bills, please")
    with after(4):
        aid_request_submit(request=AidRequest.objects.get(pk=request.pk), by=cadre)
    with after(6):
        assert aid_requests_escalate() == 0
    with after(7.5):
        assert aid_requests_escalate() == 1


def test_returned_rejected_and_approved_requests_are_never_escalated(group_a1, rich_fund, cadre, branch_chair):
    with after(0):
        returned = submitted(group_a1, rich_fund, cadre, invoice="A")
        rejected = submitted(group_a1, rich_fund, cadre, invoice="B")
        approved = submitted(group_a1, rich_fund, cadre, invoice="C")
        aid_request_decide(request=returned, action="return", by=branch_chair, comment="more")
        aid_request_decide(request=rejected, action="reject", by=branch_chair, comment="no")
        aid_request_decide(request=approved, action="approve", by=branch_chair)
    with after(60):
        assert aid_requests_escalate() == 0


def test_the_command_and_the_daily_beat_task_run_the_same_escalation(group_a1, rich_fund, cadre, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["aid-escalate"]
    assert entry["task"] == aid_escalate_task.name and entry["task"] in app.tasks
    with after(0):
        submitted(group_a1, rich_fund, cadre, invoice="A")
        submitted(group_a1, rich_fund, cadre, invoice="B")
    out = io.StringIO()
    with after(8):
        call_command("escalate_aid_requests", stdout=out)
        assert aid_escalate_task.delay().get(timeout=5) == 0
    assert out.getvalue().startswith("2 aid request(s) escalated after 7 days")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_runs_at_the_same_time_escalate_each_request_once(group_a1, rich_fund, cadre, federation_staff):
    with after(0):
        requests = [submitted(group_a1, rich_fund, cadre, invoice=f"R-{i}") for i in range(3)]
    now = timezone.now() + dt.timedelta(days=8)
    results = race(4, lambda i: aid_requests_escalate(now=now))
    assert all(isinstance(r, int) for r in results) and sum(results) == 3, results
    assert AidDecision.objects.filter(action=AidAction.ESCALATE).count() == 3
    assert Notification.objects.filter(user=federation_staff, kind="aid.waiting").count() == 3
    assert {r.level for r in AidRequest.objects.filter(pk__in=[r.pk for r in requests])} == {2}
    assert Decimal(Notification.objects.filter(kind="aid.waiting").first().params["amount"]) == Decimal("1500.00")


def test_a_chairs_own_request_starts_above_the_branch(group_a1, rich_fund, branch_chair, federation_staff, federation):
    """The branch chair may not approve what they asked for: the request goes straight to the federation."""
    data = medical(rich_fund, "1500.00", ["INV-1"], justification="asked for by the chair")
    request = aid_request_create(hfile=filed_household(group_a1), data=data, by=branch_chair)
    request = aid_request_submit(request=complete_evidence(request, branch_chair), by=branch_chair)
    assert (request.level, request.approver_role, request.approver_unit) == (2, Role.FEDERATION_STAFF, federation)
    assert request.decisions.get(action=AidAction.SUBMIT).level == 2
    request = aid_request_decide(request=request, action="approve", by=federation_staff)
    assert request.status == AidStatus.APPROVED
    assert_ledger_consistent()


def test_a_request_whose_requester_holds_every_level_is_refused(group_a1, rich_fund, branch_chair, federation):
    """A chair who is also the only federation staff would approve at every level: submitting says so, changes
    nothing."""
    from django.core.exceptions import ValidationError

    from org.models import Membership

    Membership.objects.filter(role=Role.FEDERATION_STAFF).delete()  # the funds' keeper among them
    Membership.objects.create(user=branch_chair, unit=federation, role=Role.FEDERATION_STAFF)
    branch_chair = type(branch_chair).objects.get(pk=branch_chair.pk)  # a new sign-in: the scope with the new role
    data = medical(rich_fund, "1500.00", ["INV-1"], justification="asked for by the chair")
    request = aid_request_create(hfile=filed_household(group_a1), data=data, by=branch_chair)
    with pytest.raises(ValidationError, match="approver of your own request"):
        aid_request_submit(request=complete_evidence(request, branch_chair), by=branch_chair)
    request.refresh_from_db()
    assert request.status == AidStatus.DRAFT and not request.decisions.filter(action=AidAction.SUBMIT).exists()
