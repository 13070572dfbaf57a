"""Aid pages: request, derivation, decisions, payment and receipt; scope, bad input and query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funds.models import AidRequest, FundBalance
from funds.services import aid_request_create, aid_request_decide, aid_request_submit
from funds.workflow import AidStatus
from org.models import Role
from tests.factories import UserFactory, funded

from .helpers import aid_type, complete_evidence, filed_household, ledger_snapshot, medical, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(group_a1):
    return funded(group_a1, "10000.00")


@pytest.fixture
def household(group_a1):
    return filed_household(group_a1)


def form_data(fund, **over) -> dict:
    data = {
        "aid_type": aid_type("medical").pk, "fund": fund.pk, "requested_amount": "1500.00", "total_cost": "20000",
        "insurance": "8000", "other_aid": "2000", "invoice_numbers": "H-001, H-002",
    }  # fmt: skip
    return {**data, **over}


def submitted(household, fund, cadre, **kw) -> AidRequest:
    return submit(aid_request_create(hfile=household, data=medical(fund, **kw), by=cadre), cadre)


def test_cadre_requests_medical_aid_and_sees_the_derivation(client_for, cadre, household, fund):
    client = client_for(cadre)
    url = reverse("funds:aid_create") + f"?file={household.pk}"
    response = client.post(url, form_data(fund))
    aid = AidRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == aid.get_absolute_url()
    page = client.get(aid.get_absolute_url()).content.decode()
    assert "Band 5,000.00–20,000.00 yuan: 5,000.00 × 30% = 1,500.00 yuan" in page
    assert "Suggested amount: 1,500.00 yuan" in page
    chinese = client_for(cadre, "zh-hans").get(aid.get_absolute_url()).content.decode()
    assert "建议金额" in chinese
    complete_evidence(aid, cadre)
    client.post(reverse("funds:aid_submit", args=[aid.pk]))
    assert AidRequest.objects.get().status == AidStatus.IN_APPROVAL


@pytest.mark.parametrize(
    ("over", "field", "text"),
    [
        ({"requested_amount": "0"}, "requested_amount", "more than zero"),
        ({"requested_amount": "-10"}, "requested_amount", "cannot be negative"),
        ({"requested_amount": "99999999"}, "requested_amount", "not a plausible amount"),
        ({"requested_amount": "1600"}, "justification", "say why"),
        ({"invoice_numbers": ""}, "invoice_numbers", "invoice numbers"),
        ({"insurance": "30000"}, "insurance", "cannot exceed"),
    ],
)
def test_bad_request_input_is_explained_and_nothing_is_saved(client_for, cadre, household, fund, over, field, text):
    response = client_for(cadre).post(reverse("funds:aid_create") + f"?file={household.pk}", form_data(fund, **over))
    assert response.status_code == 200
    assert any(text in e for e in response.context["form"].errors[field]), response.context["form"].errors
    assert not AidRequest.objects.exists()


def test_reused_invoice_number_is_refused_on_the_form(client_for, cadre, household, fund, group_a1):
    aid_request_create(hfile=household, data=medical(fund, invoices=["H-002"]), by=cadre)
    other = filed_household(group_a1)
    response = client_for(cadre).post(reverse("funds:aid_create") + f"?file={other.pk}", form_data(fund))
    assert "Already claimed in the federation: H-002." in response.context["form"].errors["invoice_numbers"]
    assert AidRequest.objects.count() == 1


def test_form_offers_only_funds_in_scope_at_or_above_the_household(client_for, branch_chair, household, group_a2):
    own, sibling = funded(household.unit, name="own"), funded(group_a2, name="sibling")
    response = client_for(branch_chair).get(reverse("funds:aid_create") + f"?file={household.pk}")
    choices = {pk.value for pk, _label in response.context["form"].fields["fund"].choices if pk}
    assert own.pk in choices and sibling.pk not in choices


def test_chair_approves_and_pays_once_on_a_double_click_then_sees_the_receipt(
    client_for, cadre, branch_chair, household, fund
):
    aid = submitted(household, fund, cadre)
    client = client_for(branch_chair)
    assert client.get(reverse("funds:aid_queue")).context["count"] == 1
    client.post(reverse("funds:aid_decide", args=[aid.pk, "approve"]), {"comment": "ok"})
    assert AidRequest.objects.get().status == AidStatus.APPROVED
    for _click in range(2):
        response = client.post(reverse("funds:aid_pay", args=[aid.pk]), {"key": "one-form"})
        assert response["Location"] == reverse("funds:aid_receipt", args=[aid.pk])
    assert FundBalance.objects.get(fund=fund).available == Decimal("8500.00")
    assert FundBalance.objects.get(fund=fund).reserved == Decimal("0.00")
    receipt = client.get(reverse("funds:aid_receipt", args=[aid.pk])).content.decode()
    assert "1500.00" in receipt and "Suggested amount: 1,500.00 yuan" in receipt


def test_paying_a_request_not_approved_shows_why_and_changes_nothing(client_for, cadre, branch_chair, household, fund):
    aid = submitted(household, fund, cadre)
    before = ledger_snapshot()
    response = client_for(branch_chair).post(reverse("funds:aid_pay", args=[aid.pk]), {"key": "k"}, follow=True)
    assert "Only an approved request can be paid." in response.content.decode()
    assert ledger_snapshot() == before


def test_chair_cannot_approve_own_request_through_the_page(client_for, branch_chair, branch_a, household, fund):
    UserFactory(roles=[(branch_a, Role.BRANCH_CHAIR)])  # a second chair: the request waits at the branch for them
    aid = submitted(household, fund, branch_chair)
    client = client_for(branch_chair)
    assert client.get(reverse("funds:aid_queue")).context["count"] == 0
    response = client.post(reverse("funds:aid_decide", args=[aid.pk, "approve"]), follow=True)
    assert "Nobody may decide on an aid request they made." in response.content.decode()
    assert AidRequest.objects.get().status == AidStatus.IN_APPROVAL


def test_reversal_page_reverses_and_a_second_reversal_is_refused(client_for, cadre, branch_chair, household, fund):
    aid = aid_request_decide(request=submitted(household, fund, cadre), action="approve", by=branch_chair)
    client = client_for(branch_chair)
    client.post(reverse("funds:aid_pay", args=[aid.pk]), {"key": "k"})
    response = client.post(reverse("funds:aid_reverse", args=[aid.pk]), {"reason": "wrong account"})
    assert response.status_code == 302
    assert AidRequest.objects.get().status == AidStatus.APPROVED
    before = ledger_snapshot()
    response = client.post(reverse("funds:aid_reverse", args=[aid.pk]), {"reason": "again"}, follow=True)
    assert "Only a paid request" in response.content.decode()
    assert ledger_snapshot() == before


def test_out_of_scope_persona_cannot_see_count_search_or_change_a_request(
    client_for, cadre, chair_other_branch, household, fund
):
    aid = submitted(household, fund, cadre)
    client = client_for(chair_other_branch)
    for name in ("funds:aid_detail", "funds:aid_update", "funds:aid_reverse", "funds:aid_receipt"):
        assert client.get(reverse(name, args=[aid.pk])).status_code == 404, name
    for name, args in (("funds:aid_submit", [aid.pk]), ("funds:aid_decide", [aid.pk, "approve"])):
        assert client.post(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("funds:aid_pay", args=[aid.pk]), {"key": "k"}).status_code == 404
    assert client.get(reverse("funds:aid_create") + f"?file={household.pk}").status_code == 404
    assert client.get(reverse("funds:aid_list")).context["page"].items == []
    assert client.get(reverse("funds:aid_list"), {"status": "in_approval"}).context["page"].items == []
    assert client.get(reverse("funds:aid_queue")).context["count"] == 0
    assert AidRequest.objects.get().status == AidStatus.IN_APPROVAL


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_queue_and_request_pages_cost_a_fixed_number_of_queries(client_for, cadre, branch_chair, group_a1, fund):
    client = client_for(branch_chair)

    def make(n: int, start: int) -> AidRequest:
        for i in range(n):
            last = submitted(filed_household(group_a1), fund, cadre, invoices=[f"Q-{start + i}", f"R-{start + i}"])
        return last

    aid = make(2, 0)
    few = [_queries(client, reverse(n)) for n in ("funds:aid_list", "funds:aid_queue")]
    detail = _queries(client, aid.get_absolute_url())
    make(15, 100)
    assert [_queries(client, reverse(n)) for n in ("funds:aid_list", "funds:aid_queue")] == few
    aid_request_decide(request=aid, action="return", by=branch_chair, comment="more bills")
    aid_request_submit(request=aid, by=cadre)  # same status, twice the decisions
    assert _queries(client, aid.get_absolute_url()) == detail
    assert max(few) <= 6 and detail <= 16


def test_queue_pages_oldest_first_and_counts_the_whole_queue(client_for, cadre, branch_chair, group_a1, fund, settings):
    settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 3}
    waiting = [submitted(filed_household(group_a1), fund, cadre, invoices=[f"P-{i}", f"S-{i}"]).pk for i in range(7)]
    client = client_for(branch_chair)
    seen, url = [], reverse("funds:aid_queue")
    while url:
        response = client.get(url)
        assert response.context["count"] == 7
        seen += [aid.pk for aid in response.context["rows"]]
        page = response.context["page"]
        url = f"{reverse('funds:aid_queue')}?after={page.next_cursor}" if page.next_cursor else None
    assert seen == waiting  # each request once, in the order they began to wait
    back = client.get(f"{reverse('funds:aid_queue')}?before={waiting[3]}")
    assert [aid.pk for aid in back.context["rows"]] == waiting[:3]
    assert client.get(f"{reverse('funds:aid_queue')}?after=oops").context["rows"][0].pk == waiting[0]


def test_a_long_queue_says_how_many_up_to_the_navigation_cap(
    client_for, cadre, branch_chair, group_a1, fund, settings, monkeypatch
):
    import funds.selectors
    import funds.views

    settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 2}
    monkeypatch.setattr(funds.selectors, "QUEUE_BADGE_CAP", 4)
    monkeypatch.setattr(funds.views, "QUEUE_BADGE_CAP", 4)
    for i in range(6):
        submitted(filed_household(group_a1), fund, cadre, invoices=[f"L-{i}", f"M-{i}"])
    response = client_for(branch_chair).get(reverse("funds:aid_queue"))
    assert len(response.context["rows"]) == 2
    assert '<span class="badge bg-primary" data-testid="queue-count">4+</span>' in response.content.decode()
