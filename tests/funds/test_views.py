"""Fund pages: scoping (404, never listed, never a choice), forms and their bad input, constant queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from funds.models import Entry, FiscalYear, FundBalance, LedgerTransaction, TransactionKind
from funds.services import fund_reserve, fund_transfer
from tests.factories import FundFactory, funded

from .helpers import assert_ledger_consistent, ledger_snapshot

pytestmark = pytest.mark.django_db

D = Decimal


def count_queries(client, url, **params) -> int:
    client.get(url, params)  # warm the scope cache, as in steady state
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx)


@pytest.fixture
def funds(federation, branch_a, branch_b, group_a1, federation_staff):
    return {
        "federation": funded(federation, "10000", by=federation_staff, name="市总专项资金"),
        "branch_a": funded(branch_a, "500", by=federation_staff, name="甲分会送温暖"),
        "branch_b": funded(branch_b, "700", by=federation_staff, name="乙分会助学"),
        "group_a1": funded(group_a1, "100", by=federation_staff, name="甲一慰问"),
    }


class TestList:
    @pytest.mark.parametrize(
        ("persona", "seen"),
        [
            ("federation_staff", {"federation", "branch_a", "branch_b", "group_a1"}),
            ("branch_chair", {"branch_a", "group_a1"}),
            ("chair_other_branch", {"branch_b"}),
            ("cadre", {"group_a1"}),
            ("cadre_a2", set()),
            ("nobody", set()),
        ],
    )
    def test_list_shows_only_funds_in_scope(self, request, client_for, funds, persona, seen):
        response = client_for(request.getfixturevalue(persona)).get(reverse("funds:fund_list"))
        html = response.content.decode()
        assert {f.pk for f in response.context["funds"]} == {funds[k].pk for k in seen}
        for key, fund in funds.items():
            assert (fund.name in html) == (key in seen), key

    def test_list_shows_balance_reserved_and_available(self, client_for, funds, branch_chair):
        fund_reserve(fund=funds["branch_a"], amount=D("120"), by=branch_chair, idempotency_key="r")
        html = client_for(branch_chair).get(reverse("funds:fund_list")).content.decode()
        assert "¥500.00" in html and "¥120.00" in html and "¥380.00" in html

    def test_nav_link_for_roles_that_see_funds(self, client_for, cadre, nobody):
        assert reverse("funds:fund_list") in client_for(cadre).get(reverse("dashboard")).content.decode()
        assert reverse("funds:fund_list") not in client_for(nobody).get(reverse("dashboard")).content.decode()

    def test_list_queries_do_not_grow_with_the_funds(self, client_for, federation_staff, federation, group_b1):
        client = client_for(federation_staff)
        FundFactory(unit=federation)
        few = count_queries(client, reverse("funds:fund_list"))
        FundFactory.create_batch(12, unit=group_b1)
        assert count_queries(client, reverse("funds:fund_list")) == few <= 5


class TestStatement:
    def test_statement_has_a_running_balance(self, client_for, funds, federation_staff, branch_chair):
        fund = funds["branch_a"]
        fund_reserve(fund=fund, amount=D("200"), by=branch_chair, idempotency_key="r")
        fund_transfer(source=fund, target=funds["group_a1"], amount=D("50"), by=branch_chair, idempotency_key="t")
        page = client_for(branch_chair).get(fund.get_absolute_url()).context["page"]
        assert [(e.amount, e.available_after, e.reserved_after, e.balance_after) for e in page.items] == [
            (D("-50.00"), D("250.00"), D("200.00"), D("450.00")),
            (D("200.00"), D("300.00"), D("200.00"), D("500.00")),
            (D("-200.00"), D("300.00"), D("0.00"), D("300.00")),
            (D("500.00"), D("500.00"), D("0.00"), D("500.00")),
        ]

    def test_statement_filters_by_kind_and_period(self, client_for, funds, branch_chair):
        fund = funds["branch_a"]
        fund_reserve(fund=fund, amount=D("200"), by=branch_chair, idempotency_key="r")
        client = client_for(branch_chair)
        page = client.get(fund.get_absolute_url(), {"kind": "allocation"}).context["page"]
        assert {e.transaction.kind for e in page.items} == {TransactionKind.ALLOCATION}
        assert (
            client.get(fund.get_absolute_url(), {"start": "2001-01-01", "end": "2001-12-31"}).context["page"].items
            == []
        )
        bad = client.get(fund.get_absolute_url(), {"start": "2026-02-01", "end": "2026-01-01"})
        assert bad.context["page"] is None

    def test_statement_filters_money_in_and_out_leaving_out_the_funds_own_moves(self, client_for, funds, branch_chair):
        fund = funds["branch_a"]
        fund_reserve(fund=fund, amount=D("200"), by=branch_chair, idempotency_key="r")
        fund_transfer(source=fund, target=funds["group_a1"], amount=D("50"), by=branch_chair, idempotency_key="t")
        client = client_for(branch_chair)
        moved_in = client.get(fund.get_absolute_url(), {"flow": "in"}).context["page"].items
        moved_out = client.get(fund.get_absolute_url(), {"flow": "out"}).context["page"].items
        assert [e.amount for e in moved_in] == [D("500.00")]
        assert [e.amount for e in moved_out] == [D("-50.00")]
        bad = client.get(fund.get_absolute_url(), {"flow": "sideways"})
        assert bad.context["page"] is None and "Please correct the filters above." in bad.content.decode()

    def test_deep_statement_page_costs_what_the_first_costs(self, client_for, funds, branch_chair, settings):
        settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 5}
        fund = funds["branch_a"]
        for i in range(30):
            fund_reserve(fund=fund, amount=D("1"), by=branch_chair, idempotency_key=f"r{i}")
        client = client_for(branch_chair)
        first_page = client.get(fund.get_absolute_url()).context["page"]
        assert len(first_page.items) == 5 and first_page.next_cursor
        first = count_queries(client, fund.get_absolute_url())
        deep_anchor = Entry.objects.held().filter(fund=fund).order_by("id")[3].pk
        deep_page = client.get(fund.get_absolute_url(), {"after": deep_anchor}).context["page"]
        assert len(deep_page.items) == 3  # the oldest entries, below the anchor
        deep = count_queries(client, fund.get_absolute_url(), after=deep_anchor)
        settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 25}
        bigger = count_queries(client, fund.get_absolute_url())
        assert first == deep == bigger <= 10

    def test_out_of_scope_fund_is_404_on_every_page(self, client_for, funds, branch_chair):
        fund = funds["branch_b"]
        txn = fund.entries.first().transaction_id
        client = client_for(branch_chair)
        for url in (
            fund.get_absolute_url(),
            reverse("funds:fund_allocate", args=[fund.pk]),
            reverse("funds:fund_transfer", args=[fund.pk]),
            reverse("funds:fund_reconciliation", args=[fund.pk, 2026]),
            reverse("funds:transaction_reverse", args=[fund.pk, txn]),
        ):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"amount": "1", "source": "finance", "key": "k", "reason": "x"}).status_code == 404
        assert FundBalance.objects.get(fund=fund).available == D("700.00")


class TestAllocate:
    def test_chair_allocates_a_donation(self, client_for, funds, branch_chair):
        fund = funds["branch_a"]
        url = reverse("funds:fund_allocate", args=[fund.pk])
        data = {"source": "donation", "amount": "88.50", "memo": "企业捐赠", "key": "abc"}
        response = client_for(branch_chair).post(url, data)
        assert response.status_code == 302 and response["Location"] == fund.get_absolute_url()
        client_for(branch_chair).post(url, data)  # a double submission
        assert LedgerTransaction.objects.filter(kind="allocation", memo="企业捐赠").count() == 1
        assert FundBalance.objects.get(fund=fund).available == D("588.50")

    @pytest.mark.parametrize("amount", ["0", "-5", "abc", "", "100000000.01", "1.234"])
    def test_bad_amounts_are_refused_and_nothing_changes(self, client_for, funds, branch_chair, amount):
        before = ledger_snapshot()
        url = reverse("funds:fund_allocate", args=[funds["branch_a"].pk])
        response = client_for(branch_chair).post(url, {"source": "finance", "amount": amount, "key": "k"})
        assert response.status_code == 200 and response.context["form"].errors
        assert ledger_snapshot() == before

    def test_cadre_may_look_but_not_allocate(self, client_for, funds, cadre):
        fund = funds["group_a1"]
        client = client_for(cadre)
        assert client.get(fund.get_absolute_url()).status_code == 200
        assert "allocate" not in client.get(fund.get_absolute_url()).content.decode()
        response = client.post(reverse("funds:fund_allocate", args=[fund.pk]), {"source": "finance", "amount": "5"})
        assert response.status_code == 403
        assert FundBalance.objects.get(fund=fund).available == D("100.00")


class TestTransfer:
    def test_choices_hold_only_funds_below_and_in_scope(self, client_for, funds, federation_staff, branch_chair):
        form = client_for(federation_staff).get(reverse("funds:fund_transfer", args=[funds["federation"].pk]))
        choices = {pk for pk, _label in form.context["form"].fields["target"].choices}
        assert choices == {funds["branch_a"].pk, funds["branch_b"].pk, funds["group_a1"].pk}
        form = client_for(branch_chair).get(reverse("funds:fund_transfer", args=[funds["branch_a"].pk]))
        assert {pk for pk, _label in form.context["form"].fields["target"].choices} == {funds["group_a1"].pk}

    def test_chair_passes_money_to_a_group(self, client_for, funds, branch_chair):
        url = reverse("funds:fund_transfer", args=[funds["branch_a"].pk])
        data = {"target": funds["group_a1"].pk, "amount": "60", "key": "t1"}
        assert client_for(branch_chair).post(url, data).status_code == 302
        assert FundBalance.objects.get(fund=funds["group_a1"]).available == D("160.00")
        assert_ledger_consistent()

    def test_sideways_or_upwards_target_is_not_a_choice(self, client_for, funds, branch_chair):
        before = ledger_snapshot()
        url = reverse("funds:fund_transfer", args=[funds["branch_a"].pk])
        for target in ("branch_b", "federation", "branch_a"):
            response = client_for(branch_chair).post(url, {"target": funds[target].pk, "amount": "1", "key": "t"})
            assert "target" in response.context["form"].errors
        assert ledger_snapshot() == before

    def test_too_little_available_is_a_clear_message(self, client_for, funds, branch_chair):
        before = ledger_snapshot()
        url = reverse("funds:fund_transfer", args=[funds["branch_a"].pk])
        response = client_for(branch_chair).post(url, {"target": funds["group_a1"].pk, "amount": "501", "key": "t"})
        assert "only 500.00 yuan available" in str(response.context["form"].non_field_errors())
        assert ledger_snapshot() == before


class TestReverse:
    def test_reverse_with_a_reason_then_refuse_twice(self, client_for, funds, federation_staff):
        fund = funds["branch_a"]
        txn = fund.entries.first().transaction
        url = reverse("funds:transaction_reverse", args=[fund.pk, txn.pk])
        client = client_for(federation_staff)
        assert client.post(url, {"reason": ""}).context["form"].errors
        assert client.post(url, {"reason": "重复拨款"}).status_code == 302
        assert FundBalance.objects.get(fund=fund).available == D("0.00")
        again = client.post(url, {"reason": "again"})
        assert "already been reversed" in str(again.context["form"].non_field_errors())
        reversal = LedgerTransaction.objects.get(reverses=txn)
        url = reverse("funds:transaction_reverse", args=[fund.pk, reversal.pk])
        assert "cannot be reversed" in str(client.post(url, {"reason": "x"}).context["form"].non_field_errors())
        assert_ledger_consistent()

    def test_transaction_of_another_fund_is_404_through_this_fund(self, client_for, funds, branch_chair):
        other = funds["branch_b"].entries.first().transaction_id
        url = reverse("funds:transaction_reverse", args=[funds["branch_a"].pk, other])
        assert client_for(branch_chair).get(url).status_code == 404


class TestReconciliation:
    def test_balanced_year_shows_no_error(self, client_for, funds, branch_chair):
        year = timezone.localdate().year
        rec = client_for(branch_chair).get(reverse("funds:fund_reconciliation", args=[funds["branch_a"].pk, year]))
        rec = rec.context["rec"]
        assert (rec.opening, rec.inflow, rec.outflow, rec.closing, rec.errors) == (
            D("0"),
            D("500.00"),
            D("0"),
            D("500.00"),
            [],
        )

    def test_a_carry_over_that_differs_from_the_ledger_is_an_error(self, client_for, funds, branch_chair):
        year = timezone.localdate().year
        FiscalYear.objects.create(fund=funds["branch_a"], year=year, opening=D("10.00"))
        response = client_for(branch_chair).get(reverse("funds:fund_reconciliation", args=[funds["branch_a"].pk, year]))
        assert response.context["rec"].errors
        assert "alert-danger" in response.content.decode()

    def test_budget_against_spent(self, client_for, funds, branch_chair):
        from funds.services import fiscal_year_set_budget, fund_disburse

        fund = funds["branch_a"]
        year = timezone.localdate().year
        fiscal_year_set_budget(fund=fund, year=year, budget=D("400"), by=branch_chair)
        fund_reserve(fund=fund, amount=D("150"), by=branch_chair, idempotency_key="r")
        fund_disburse(fund=fund, amount=D("150"), by=branch_chair, idempotency_key="d")
        rows = client_for(branch_chair).get(fund.get_absolute_url()).context["years"]
        assert (rows[0].year, rows[0].budget, rows[0].spent, rows[0].left) == (
            year,
            D("400.00"),
            D("150.00"),
            D("250.00"),
        )
