"""The "Approvals" link in the navigation: approvers see how many requests wait for them, and only theirs."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from funds.models import Delegation
from funds.selectors import approval_queue_count
from funds.services import aid_request_create, aid_request_decide, aid_request_submit
from org.models import Role
from tests.factories import UserFactory

from .helpers import complete_evidence, filed_household, medical

pytestmark = pytest.mark.django_db


def submit(group_a1, rich_fund, cadre, invoice: str):
    request = aid_request_create(hfile=filed_household(group_a1), data=medical(rich_fund, invoices=[invoice]), by=cadre)
    return aid_request_submit(request=complete_evidence(request, cadre), by=cadre)


def badge(client) -> str | None:
    """The count in the navigation's Approvals link; None when the link is not shown, "" without a count."""
    page = client.get(reverse("dashboard")).content.decode()
    link = re.search(r'id="nav-approvals".*?</a>', page, re.S)
    if link is None:
        return None
    count = re.search(r'id="approvals-count">([^<]*)<', link.group(0))
    return count.group(1) if count else ""


def test_chair_sees_the_count_which_drops_when_they_decide(
    client_for, group_a1, rich_fund, cadre, branch_chair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(group_a1, rich_fund, cadre, "A")
        submit(group_a1, rich_fund, cadre, "B")
    client = client_for(branch_chair)
    assert badge(client) == "2"
    with django_capture_on_commit_callbacks(execute=True):
        aid_request_decide(request=first, action="approve", by=branch_chair)
    assert badge(client) == "1"
    queue = client.get(reverse("funds:aid_queue"))
    assert queue.context["count"] == 1
    assert f"{timezone.localdate():%Y-%m-%d}" in queue.content.decode()  # waiting since today


def test_the_link_is_for_approvers_and_the_count_only_for_their_own_scope(
    client_for, group_a1, rich_fund, cadre, chair_other_branch, federation_staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(group_a1, rich_fund, cadre, "A")
    assert badge(client_for(cadre)) is None  # a cadre decides nothing
    assert badge(client_for(chair_other_branch)) == ""  # an approver, nothing of theirs waits
    assert badge(client_for(federation_staff)) == ""  # a small request is the branch's to decide


def test_an_acting_chair_sees_the_link_and_the_count_while_the_delegation_runs(
    client_for, group_a1, branch_a, rich_fund, cadre, branch_chair, django_capture_on_commit_callbacks
):
    deputy = UserFactory(roles=[(branch_a, Role.CADRE)])
    with django_capture_on_commit_callbacks(execute=True):
        submit(group_a1, rich_fund, cadre, "A")
    today = timezone.localdate()
    Delegation.objects.create(delegator=branch_chair, delegate=deputy, starts_on=today, ends_on=today)
    assert badge(client_for(deputy)) == "1"


def test_the_badge_costs_no_query_once_counted(
    client_for, group_a1, rich_fund, cadre, branch_chair, django_assert_num_queries
):
    submit(group_a1, rich_fund, cadre, "A")
    client = client_for(branch_chair)
    client.get(reverse("funds:fund_list"))
    with django_assert_num_queries(0):
        assert approval_queue_count(user=branch_chair) == 1
