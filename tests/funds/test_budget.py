"""Setting a fund's fiscal-year budget from the fund page: managers only, in scope, validated."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funds.models import FiscalYear
from tests.factories import funded

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(branch_a, federation_staff):
    return funded(branch_a, "500", by=federation_staff, name="甲分会专项资金")


def test_federation_staff_set_and_then_correct_a_budget(client_for, fund, federation_staff):
    client = client_for(federation_staff)
    url = reverse("funds:fund_budget", args=[fund.pk])
    year = timezone.localdate().year
    response = client.post(url, {"year": year, "budget": "360000"})
    assert response.status_code == 302 and response["Location"] == fund.get_absolute_url()
    page = client.get(url + f"?year={year}")
    assert page.context["form"].initial["budget"] == Decimal("360000.00")
    client.post(url, {"year": year, "budget": "380000.50"})
    assert FiscalYear.objects.get(fund=fund, year=year).budget == Decimal("380000.50")
    client.post(url, {"year": year + 1, "budget": "400000"})
    rows = client.get(fund.get_absolute_url()).context["years"]
    assert [(r.year, r.budget) for r in rows][:2] == [(year + 1, Decimal("400000.00")), (year, Decimal("380000.50"))]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"budget": "0"}, "budget"),
        ({"budget": "-5"}, "budget"),
        ({"budget": "abc"}, "budget"),
        ({"budget": "1000000000"}, "budget"),
        ({"budget": "12.345"}, "budget"),
        ({"year_offset": 2, "budget": "10"}, "year"),
        ({"year_offset": -9, "budget": "10"}, "year"),
    ],
)
def test_bad_budgets_are_explained_and_nothing_is_saved(client_for, fund, federation_staff, data, field):
    data = dict(data)
    year = timezone.localdate().year + data.pop("year_offset", 0)
    response = client_for(federation_staff).post(reverse("funds:fund_budget", args=[fund.pk]), {"year": year, **data})
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not FiscalYear.objects.exists()


def test_only_managers_in_scope_set_budgets(client_for, fund, cadre, chair_other_branch, branch_chair):
    url = reverse("funds:fund_budget", args=[fund.pk])
    year = timezone.localdate().year
    assert client_for(chair_other_branch).post(url, {"year": year, "budget": "10"}).status_code == 404
    assert client_for(cadre).get(url).status_code == 404  # a group's cadre does not even see a branch fund
    assert not FiscalYear.objects.exists()
    assert client_for(branch_chair).post(url, {"year": year, "budget": "10"}).status_code == 302
    assert "Set a budget" in client_for(branch_chair).get(fund.get_absolute_url()).content.decode()


def test_paid_out_per_year_is_kept_beside_the_entries_and_a_reversal_takes_it_back(fund, branch_chair):
    from funds.models import FundYearTotal
    from funds.selectors import budget_rows
    from funds.services import fund_disburse, fund_reserve, transaction_reverse

    from .helpers import assert_ledger_consistent

    year = timezone.localdate().year
    fund_reserve(fund=fund, amount=Decimal("150.10"), by=branch_chair, idempotency_key="r1")
    paid = fund_disburse(fund=fund, amount=Decimal("150.10"), by=branch_chair, idempotency_key="d1")
    fund_reserve(fund=fund, amount=Decimal("49.95"), by=branch_chair, idempotency_key="r2")
    fund_disburse(fund=fund, amount=Decimal("49.95"), by=branch_chair, idempotency_key="d2")
    assert FundYearTotal.objects.get(fund=fund, year=year).paid_out == Decimal("200.05")
    transaction_reverse(txn=paid, by=branch_chair, reason="paid twice by the bank")
    assert budget_rows(fund=fund)[0].spent == Decimal("49.95")
    assert_ledger_consistent()
