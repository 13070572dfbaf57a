"""Aid requests through the API: the funds services' rules, and separation of duties exactly as on the pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import AssistancePlan, PlanHelper
from funds.models import AidRequest, LedgerTransaction
from funds.services import aid_request_create
from funds.workflow import AidStatus
from tests.factories import funded
from tests.funds.helpers import aid_type, assert_ledger_consistent, complete_evidence, filed_household, medical, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(group_a1):
    return funded(group_a1, "20000.00")


@pytest.fixture
def household(group_a1):
    return filed_household(group_a1)


def body(household, fund, **overrides) -> dict:
    values = {
        "file": household.pk,
        "aid_type": aid_type("medical").pk,
        "fund": fund.pk,
        "requested_amount": "1500.00",
        "total_cost": "20000",
        "insurance": "8000",
        "other_aid": "2000",
        "invoice_numbers": "INV-1, INV-2",
    }
    values.update(overrides)
    return values


def submitted_by(household, fund, user) -> AidRequest:
    return submit(aid_request_create(hfile=household, data=medical(fund), by=user), user)


def action_url(aid, name: str) -> str:
    return reverse(f"api:aid-request-{name}", args=[aid.pk])


def test_cadre_asks_for_aid_and_gets_the_suggested_amount(api, cadre, household, fund):
    response = api.as_user(cadre).post(reverse("api:aid-request-list"), body(household, fund))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["suggested_amount"], data["invoice_numbers"]) == (
        "draft",
        "1500.00",
        ["INV-1", "INV-2"],
    )
    assert data["decisions"][0]["action"] == "create"


def test_bad_aid_input_is_a_field_error(api, cadre, household, fund, group_b1):
    client = api.as_user(cadre)
    url = reverse("api:aid-request-list")
    other_household = filed_household(group_b1)
    assert "file" in client.post(url, body(other_household, fund)).json()
    assert "fund" in client.post(url, body(household, funded(group_b1))).json()
    assert "requested_amount" in client.post(url, body(household, fund, requested_amount="many")).json()
    assert "justification" in client.post(url, body(household, fund, requested_amount="5000")).json()
    missing = body(household, fund)
    del missing["aid_type"]
    assert "aid_type" in client.post(url, missing).json()
    assert not AidRequest.objects.exists()


def test_submit_approve_and_pay_once(api, cadre, branch_chair, household, fund):
    aid = complete_evidence(aid_request_create(hfile=household, data=medical(fund), by=cadre), cadre)
    assert api.as_user(cadre).post(action_url(aid, "submit")).json()["status"] == "in_approval"
    chair = api.as_user(branch_chair)
    assert [r["id"] for r in chair.get(reverse("api:aid-request-queue")).json()["results"]] == [aid.pk]
    assert chair.post(action_url(aid, "approve"), {"comment": "ok"}).json()["status"] == "approved"
    assert chair.post(action_url(aid, "pay"), {}).status_code == 400  # the idempotency key is required
    for _attempt in range(2):
        paid = chair.post(action_url(aid, "pay"), {"key": "k-1"})
        assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert LedgerTransaction.objects.filter(idempotency_key__startswith=f"aid-{aid.pk}-pay").count() == 1
    assert_ledger_consistent()


def test_requester_cannot_approve_their_own_request(api, branch_chair, federation_staff, household, fund):
    own = submitted_by(household, fund, branch_chair)  # a chair's own request waits for the level above
    chair = api.as_user(branch_chair)
    assert chair.post(action_url(own, "approve")).status_code == 403
    assert chair.post(action_url(own, "reject"), {"comment": "mine"}).status_code == 403
    assert chair.get(reverse("api:aid-request-queue")).json()["results"] == []
    assert AidRequest.objects.get(pk=own.pk).status == AidStatus.IN_APPROVAL
    assert api.as_user(federation_staff).post(action_url(own, "approve")).json()["status"] == "approved"


def test_helper_of_the_household_cannot_decide(api, cadre, branch_chair, household, fund):
    PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=household, goal="work"), user=branch_chair)
    aid = submitted_by(household, fund, cadre)
    assert api.as_user(branch_chair).post(action_url(aid, "approve")).status_code == 403
    assert api.as_user(branch_chair).post(action_url(aid, "reject"), {"comment": "x"}).status_code == 403
    assert AidRequest.objects.get(pk=aid.pk).status == AidStatus.IN_APPROVAL


def test_cadre_and_other_branch_cannot_decide(api, cadre, cadre_a2, chair_other_branch, household, fund):
    aid = submitted_by(household, fund, cadre)
    assert api.as_user(cadre).post(action_url(aid, "approve")).status_code == 403
    assert api.as_user(chair_other_branch).post(action_url(aid, "approve")).status_code == 404
    assert api.as_user(cadre_a2).get(reverse("api:aid-request-detail", args=[aid.pk])).status_code == 404
    assert api.as_user(chair_other_branch).get(reverse("api:aid-request-list")).json()["results"] == []
    assert AidRequest.objects.get(pk=aid.pk).status == AidStatus.IN_APPROVAL


def test_reject_and_return_need_a_reason(api, cadre, branch_chair, household, fund):
    aid = submitted_by(household, fund, cadre)
    chair = api.as_user(branch_chair)
    assert "comment" in chair.post(action_url(aid, "reject"), {"comment": ""}).json()
    assert "comment" in chair.post(action_url(aid, "return")).json()
    returned = chair.post(action_url(aid, "return"), {"comment": "missing invoice"})
    assert returned.json()["status"] == "returned"
    fixed = api.as_user(cadre).patch(reverse("api:aid-request-detail", args=[aid.pk]), {"requested_amount": "1200"})
    assert fixed.status_code == 200, fixed.json()
    assert AidRequest.objects.get(pk=aid.pk).requested_amount == Decimal("1200.00")


def test_federation_staff_cannot_ask_for_aid(api, federation_staff, household, fund):
    assert api.as_user(federation_staff).post(reverse("api:aid-request-list"), body(household, fund)).status_code == 403


def test_aid_list_filters_and_keeps_its_query_count(api, cadre, household, fund, django_assert_max_num_queries):
    client = api.as_user(cadre)
    aid_request_create(hfile=household, data=medical(fund, invoices=["A"]), by=cadre)
    assert client.get(reverse("api:aid-request-list"), {"status": "nonsense"}).status_code == 400
    client.get(reverse("api:aid-request-list"))
    with django_assert_max_num_queries(6) as few:
        client.get(reverse("api:aid-request-list"))
    for n in range(6):
        aid_request_create(hfile=filed_household(household.unit), data=medical(fund, invoices=[f"B{n}"]), by=cadre)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("api:aid-request-list"), {"status": "draft"}).json()["results"]) == 7
