"""The top-up fund stacked on an aid amount up to a combined cap: derivation, property, money per fund, bad input."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from funds.calculator import Facts, RuleSpec, TopUp, suggest_amount
from funds.models import AidDecision, AidRequest, FundBalance, FundKind, LedgerTransaction, RuleKind
from funds.services import (
    LedgerError,
    aid_payment_reverse,
    aid_request_create,
    aid_request_decide,
    aid_request_pay,
)
from funds.workflow import AidStatus
from org.models import Role
from tests.factories import UserFactory, funded

from .helpers import aid_type, assert_ledger_consistent, filed_household, ledger_snapshot, medical, submit
from .test_aid_calculator import SHOUGANG, band_rules, facts, money

pytestmark = pytest.mark.django_db
D = Decimal
WARM = TopUp(combined_cap=D("200000"), percent=D("100"), kind_id=None, label="Warm-fund sub-fund")


def with_topup(rule: RuleSpec, topup: TopUp) -> RuleSpec:
    return RuleSpec(**{**rule.__dict__, "topup": topup})


# The derivation (no database).


@pytest.mark.parametrize(
    ("cost", "factor", "base", "topup"),
    [
        (D("10000"), "", D("1500.00"), D("0.00")),  # under the per-request cap: nothing to top up
        (D("300000"), "", D("50000.00"), D("111500.00")),  # 161,500 by the bands: the warm fund pays the rest
        (D("400000"), "", D("50000.00"), D("150000.00")),  # 221,500 by the bands: 21,500 cut by the 200,000 cap
        (D("300000"), "organ_transplant", D("50000.00"), D("143800.00")),  # +20%: 193,800 in all
    ],
)
def test_warm_fund_tops_up_what_the_per_request_cap_cut_within_the_combined_cap(cost, factor, base, topup):
    result = suggest_amount(with_topup(SHOUGANG, WARM), Facts(total_cost=cost, special_factor=factor))
    assert (result.amount, result.topup, result.combined_cap) == (base, topup, D("200000.00"))
    assert result.total <= D("200000.00")


def test_derivation_shows_base_top_up_cap_and_what_was_cut():
    result = suggest_amount(with_topup(SHOUGANG, WARM), Facts(total_cost=D("400000")))
    with translation.override("en"):
        lines = [str(step) for step in result.steps]
    assert "Capped at 50,000.00 yuan per request: 50,000.00 yuan" in lines
    assert "Suggested amount: 50,000.00 yuan" in lines
    assert (
        "Top-up from Warm-fund sub-fund: 0.00 fixed + 100% of the 171,500.00 yuan above the per-request cap "
        "= 171,500.00 yuan" in lines
    )
    assert (
        "Amount 50,000.00 + top-up 171,500.00 yuan is more than the combined cap of 200,000.00 yuan: "
        "21,500.00 yuan cut, top-up 150,000.00 yuan" in lines
    )
    assert lines[-1] == "Suggested in all: 50,000.00 + 150,000.00 top-up = 200,000.00 yuan"
    with translation.override("zh-hans"):
        chinese = " ".join(str(step) for step in result.steps)
    assert "补充" in chinese and "合计上限" in chinese


def test_combined_cap_below_the_amount_limits_the_amount_too():
    rule = with_topup(
        RuleSpec(kind=RuleKind.FIXED, fixed_amount=D("3000")), TopUp(combined_cap=D("2000"), fixed=D("500"))
    )
    result = suggest_amount(rule, Facts())
    assert (result.amount, result.topup) == (D("2000.00"), D("0.00"))
    assert "combined_base" in [step.code for step in result.steps]


topups = st.builds(
    TopUp, combined_cap=money, percent=st.decimals(min_value=D("0"), max_value=D("1000"), places=2), fixed=money
)


@given(rule=band_rules(), topup=topups, facts=facts, received=money)
def test_combined_amount_never_exceeds_the_combined_cap_and_is_exact_to_the_fen(rule, topup, facts, received):
    result = suggest_amount(with_topup(rule, topup), facts, received)
    assert result.amount >= 0 and result.topup >= 0
    assert result.amount + result.topup <= topup.combined_cap
    for value in (result.amount, result.topup, result.total):
        assert value == value.quantize(D("0.01"))
    if rule.per_request_cap is not None:
        assert result.amount <= rule.per_request_cap


@given(rule=band_rules(), topup=topups, low=money, extra=money, received=money)
def test_combined_amount_is_monotonic_in_the_out_of_pocket_cost(rule, topup, low, extra, received):
    spec = with_topup(rule, topup)
    less = suggest_amount(spec, Facts(total_cost=low), received).total
    more = suggest_amount(spec, Facts(total_cost=low + extra), received).total
    assert less <= more


# Requests: each part from its own fund.


@pytest.fixture
def rule(db):
    """The medical rule capped at 1,000 a request, the warm-fund sub-fund topping up to 1,300 in all."""
    rule = aid_type("medical").rule
    rule.per_request_cap, rule.combined_cap = D("1000"), D("1300")
    rule.topup_kind, rule.topup_percent = FundKind.objects.get(code="warm-sub-fund"), D("100")
    rule.save()
    return rule


@pytest.fixture
def fund(group_a1):
    return funded(group_a1, "10000.00", name="special")


@pytest.fixture
def warm(group_a1, rule):
    return funded(group_a1, "5000.00", name="warm", kind=rule.topup_kind)


@pytest.fixture
def household(group_a1):
    return filed_household(group_a1)


def topped(fund, warm, amount="1000.00", topup="300.00", **kw):
    data = medical(fund, amount, **kw)
    data.topup_fund, data.topup_amount = warm, D(topup)
    return data


def balances(*funds) -> list[tuple]:
    return [tuple(FundBalance.objects.filter(fund=f).values_list("available", "reserved").get()) for f in funds]


def test_request_suggests_the_top_up_and_approval_pay_and_reversal_move_each_fund(
    household, fund, warm, cadre, branch_chair
):
    request = aid_request_create(hfile=household, data=topped(fund, warm), by=cadre)
    assert (request.suggested_amount, request.topup_amount, request.total_amount) == (D("1000"), D("300"), D("1300"))
    request = aid_request_decide(request=submit(request, cadre), action="approve", by=branch_chair)
    assert request.status == AidStatus.APPROVED
    assert balances(fund, warm) == [(D("9000.00"), D("1000.00")), (D("4700.00"), D("300.00"))]
    assert request.reservation.entries.filter(fund=fund).exists()
    assert request.topup_reservation.entries.filter(fund=warm).exists()
    paid = aid_request_pay(request=request, by=branch_chair, idempotency_key="k")
    again = aid_request_pay(request=request, by=branch_chair, idempotency_key="k")
    assert (again.payment_id, again.topup_payment_id) == (paid.payment_id, paid.topup_payment_id)
    assert balances(fund, warm) == [(D("9000.00"), D("0.00")), (D("4700.00"), D("0.00"))]
    request = aid_payment_reverse(request=paid, by=branch_chair, reason="wrong bank account")
    assert request.topup_payment is None and request.status == AidStatus.APPROVED
    assert balances(fund, warm) == [(D("9000.00"), D("1000.00")), (D("4700.00"), D("300.00"))]
    reversed_ids = set(LedgerTransaction.objects.filter(kind="reversal").values_list("reverses_id", flat=True))
    assert reversed_ids == {paid.payment_id, paid.topup_payment_id}
    aid_request_pay(request=request, by=branch_chair, idempotency_key="k2")
    assert balances(fund, warm) == [(D("9000.00"), D("0.00")), (D("4700.00"), D("0.00"))]
    assert_ledger_consistent()


def test_the_approval_chain_counts_the_top_up(household, fund, warm, cadre, branch_chair, rule):
    rule.per_request_cap, rule.combined_cap = D("4000"), D("6000")
    rule.save()
    data = topped(fund, warm, "1500.00", "1000.00", justification="the second operation")
    request = aid_request_decide(
        request=submit(aid_request_create(hfile=household, data=data, by=cadre), cadre), action="approve",
        by=branch_chair,
    )  # fmt: skip
    assert request.status == AidStatus.APPROVED  # 2,500 in all: the branch decides
    data = topped(fund, warm, "4000.00", "1500.00", invoices=["INV-2"], justification="long treatment")
    request = aid_request_create(hfile=household, data=data, by=cadre)
    request = aid_request_decide(request=submit(request, cadre), action="approve", by=branch_chair)
    assert (request.status, request.approver_role) == (AidStatus.IN_APPROVAL, Role.FEDERATION_STAFF)


# Bad input: a clear message, nothing saved, the ledger unchanged.


def test_top_up_past_the_combined_cap_is_refused_even_with_a_justification(household, fund, warm, cadre):
    before = ledger_snapshot()
    data = topped(fund, warm, "1000.00", "300.01", justification="more please")
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=data, by=cadre)
    assert exc.value.message_dict["topup_amount"] == [
        "1000.00 + 300.01 = 1300.01 yuan is more than the combined cap of 1300.00 yuan: "
        "the top-up can be at most 300.00 yuan."
    ]
    assert not AidRequest.objects.exists() and ledger_snapshot() == before


def test_top_up_above_the_suggestion_needs_a_justification(household, fund, warm, cadre):
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=topped(fund, warm, "900.00", "400.00"), by=cadre)
    assert "more than the suggested 300.00 yuan" in exc.value.message_dict["justification"][0]
    data = topped(fund, warm, "900.00", "400.00", justification="bills after discharge")
    assert aid_request_create(hfile=household, data=data, by=cadre).total_amount == D("1300.00")


def test_top_up_from_the_wrong_fund_or_for_a_type_without_one_is_refused(household, fund, warm, group_a1, cadre):
    special = funded(group_a1, "100.00", name="another special fund")
    for bad_fund, field in ((None, "topup_fund"), (special, "topup_fund"), (fund, "topup_fund")):
        with pytest.raises(ValidationError) as exc:
            aid_request_create(hfile=household, data=topped(fund, bad_fund), by=cadre)
        assert field in exc.value.message_dict, bad_fund
    living = topped(fund, warm, "2000.00", invoices=())
    living.aid_type = aid_type("living")
    with pytest.raises(ValidationError) as exc:
        aid_request_create(hfile=household, data=living, by=cadre)
    assert exc.value.message_dict["topup_amount"] == ["Living assistance has no top-up."]
    assert not AidRequest.objects.exists()


def test_top_up_fund_without_the_money_refuses_the_approval_and_reserves_nothing_anywhere(
    household, fund, group_a1, rule, cadre, branch_chair
):
    poor = funded(group_a1, "299.99", name="poor warm", kind=rule.topup_kind)
    request = submit(aid_request_create(hfile=household, data=topped(fund, poor), by=cadre), cadre)
    before = ledger_snapshot()
    with pytest.raises(LedgerError, match="poor warm has only 299.99 yuan available; 300.00 yuan would be needed"):
        aid_request_decide(request=request, action="approve", by=branch_chair)
    assert ledger_snapshot() == before
    assert AidRequest.objects.get().status == AidStatus.IN_APPROVAL
    assert not AidDecision.objects.filter(action="approve").exists()


def test_payer_must_manage_the_top_up_fund_too(household, fund, federation, rule, cadre, branch_chair):
    federation_warm = funded(federation, "5000.00", name="federation warm", kind=rule.topup_kind)
    federation_cadre = UserFactory(roles=[(federation, Role.CADRE)])
    data = topped(funded(household.unit, "5000.00", name="group fund"), federation_warm)
    request = submit(aid_request_create(hfile=household, data=data, by=federation_cadre), federation_cadre)
    request = aid_request_decide(request=request, action="approve", by=branch_chair)
    before = ledger_snapshot()
    with pytest.raises(PermissionDenied, match="does not allow paying from federation warm"):
        aid_request_pay(request=request, by=branch_chair, idempotency_key="k")
    assert ledger_snapshot() == before


# Pages.


def test_form_takes_the_top_up_and_the_pages_show_both_parts(client_for, household, fund, warm, cadre, branch_chair):
    form = {
        "aid_type": aid_type("medical").pk, "fund": fund.pk, "requested_amount": "1000.00", "total_cost": "20000",
        "insurance": "8000", "other_aid": "2000", "invoice_numbers": "T-1", "topup_fund": warm.pk,
        "topup_amount": "300.00",
    }  # fmt: skip
    client = client_for(cadre)
    response = client.post(reverse("funds:aid_create") + f"?file={household.pk}", form)
    aid = AidRequest.objects.get()
    assert response["Location"] == aid.get_absolute_url()
    page = client.get(aid.get_absolute_url()).content.decode()
    assert "Suggested in all: 1,000.00 + 300.00 top-up = 1,300.00 yuan" in page and "warm" in page
    bad = client.post(reverse("funds:aid_update", args=[aid.pk]), {**form, "topup_amount": "999"})
    assert "combined cap" in bad.context["form"].errors["topup_amount"][0]
    assert AidRequest.objects.get().topup_amount == D("300.00")
    aid = aid_request_decide(request=submit(aid, cadre), action="approve", by=branch_chair)
    aid_request_pay(request=aid, by=branch_chair, idempotency_key="k")
    receipt = client_for(branch_chair).get(reverse("funds:aid_receipt", args=[aid.pk])).content.decode()
    assert "1300.00" in receipt and f"#{AidRequest.objects.get().topup_payment_id}" in receipt


def test_receipt_costs_a_fixed_number_of_queries_with_or_without_a_top_up(
    client_for, household, fund, warm, cadre, branch_chair
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def paid(data, key):
        request = aid_request_decide(
            request=submit(aid_request_create(hfile=filed_household(household.unit), data=data, by=cadre), cadre),
            action="approve", by=branch_chair,
        )  # fmt: skip
        return aid_request_pay(request=request, by=branch_chair, idempotency_key=key)

    plain = paid(medical(fund, "1000.00", invoices=["P-1"]), "a")
    topped_up = paid(topped(fund, warm, invoices=["P-2"]), "b")
    client = client_for(branch_chair)
    counts = []
    for request in (plain, topped_up):
        url = reverse("funds:aid_receipt", args=[request.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 14


def test_request_form_costs_the_same_queries_whatever_the_number_of_funds(client_for, household, group_a1, cadre):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cadre)
    url = reverse("funds:aid_create") + f"?file={household.pk}"

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    funded(group_a1, "10.00", name="first")
    few = queries()
    for n in range(4):
        funded(group_a1, "10.00", name=f"more {n}")
    assert queries() == few <= 14
    assert len(client.get(url).context["form"].fields["topup_fund"].queryset) == 5
