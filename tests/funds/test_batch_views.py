"""Condolence batch pages: the create form, the batch page with its lines, approval, delivery, closing,
reversal and the sign-off sheet; scope (see, count, search, change), bad input and query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funds.models import BatchLine, BatchStatus, CondolenceBatch, FundBalance, LedgerTransaction, LineStatus
from funds.models import TransactionKind as Kind
from funds.services import batch_approve, batch_line_deliver
from tests.factories import funded

from .batch_helpers import chair_of, holiday, household, make_batch, tiers, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(branch_a):
    return funded(branch_a, "10000.00")


@pytest.fixture
def draft(group_a1, group_a2, fund, branch_chair):
    """A branch A batch: two households of group A1 (deep, relative) and one of group A2."""
    household(group_a1, 0, name="王一"), household(group_a1, 1, name="李二"), household(group_a2, 0, name="张三")
    return make_batch(group_a1.parent, fund, branch_chair)


@pytest.fixture
def approved(draft, branch_a):
    return batch_approve(batch=draft, by=chair_of(branch_a))


def form_data(unit, fund, **over) -> dict:
    deep, relative = tiers()[:2]
    data = {
        "unit": unit.pk, "holiday": holiday().pk, "fund": fund.pk, "name": "2027春节送温暖",
        f"cash_{deep.pk}": "500", f"goods_{deep.pk}": "米面油", f"goods_value_{deep.pk}": "100",
        f"cash_{relative.pk}": "300",
    }  # fmt: skip
    return {**data, **over}


def page(client, batch, **params) -> str:
    return client.get(batch.get_absolute_url(), params).content.decode()


def test_chair_makes_a_batch_through_the_form_and_sees_the_total(client_for, branch_chair, branch_a, group_a1, fund):
    household(group_a1, 0), household(group_a1, 1)
    client = client_for(branch_chair)
    assert client.get(reverse("funds:batch_create")).status_code == 200
    response = client.post(reverse("funds:batch_create"), form_data(branch_a, fund))
    batch = CondolenceBatch.objects.get()
    assert response["Location"] == batch.get_absolute_url()
    html = page(client, batch)
    assert "¥900.00" in html and "Households listed" in html and "米面油" in html
    assert "nobody approves a batch they made" in html and 'id="approve"' not in html


@pytest.mark.parametrize(
    ("over", "text"),
    [
        ({"cash_TIER": "-5"}, "greater than or equal to 0"),
        ({"cash_TIER": "abc"}, "Enter a number"),
        ({"goods_value_TIER": "0"}, "Give the value of the goods"),
        ({"name": ""}, "This field is required"),
        ({"holiday": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_batch_input_is_explained_and_nothing_is_saved(
    client_for, branch_chair, branch_a, group_a1, fund, over, text
):
    household(group_a1, 0)
    deep = tiers()[0].pk
    over = {k.replace("TIER", str(deep)): v for k, v in over.items()}
    response = client_for(branch_chair).post(reverse("funds:batch_create"), form_data(branch_a, fund, **over))
    assert response.status_code == 200
    assert text in response.content.decode()
    assert not CondolenceBatch.objects.exists() and not BatchLine.objects.exists()


def test_units_and_funds_out_of_the_chairs_reach_are_not_choices(
    client_for, branch_chair, branch_a, group_b1, federation, fund
):
    other_fund, above = funded(group_b1), funded(federation)
    client = client_for(branch_chair)
    for data in (form_data(group_b1.parent, fund), form_data(branch_a, other_fund), form_data(branch_a, above)):
        response = client.post(reverse("funds:batch_create"), data)
        assert "Select a valid choice" in response.content.decode()
    assert not CondolenceBatch.objects.exists()


def test_another_chair_approves_and_the_total_is_reserved(client_for, draft, branch_a, fund):
    client = client_for(chair_of(branch_a))
    assert 'id="approve"' in page(client, draft)
    client.post(reverse("funds:batch_approve", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == BatchStatus.APPROVED
    assert FundBalance.objects.get(fund=fund).reserved == Decimal("1300.00")


def test_approval_against_a_short_fund_says_so_and_changes_nothing(client_for, group_a1, branch_a, branch_chair):
    household(group_a1, 0)
    batch = make_batch(branch_a, funded(branch_a, "100.00"), branch_chair)
    client = client_for(chair_of(branch_a))
    response = client.post(reverse("funds:batch_approve", args=[batch.pk]), follow=True)
    assert "has only 100.00 yuan available; 500.00 yuan would be needed" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert not LedgerTransaction.objects.filter(kind=Kind.RESERVATION).exists()


def test_creator_approving_is_refused_with_a_message(client_for, draft, branch_chair):
    response = client_for(branch_chair).post(reverse("funds:batch_approve", args=[draft.pk]), follow=True)
    assert "Nobody may approve a batch they created." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == BatchStatus.DRAFT


def test_exclude_with_a_reason_then_include_again(client_for, draft, branch_chair):
    client = client_for(branch_chair)
    line = draft.lines.get(file__name="李二")
    url = reverse("funds:batch_line_exclude", args=[draft.pk, line.pk])
    response = client.post(url, {"reason": ""})
    assert "This field is required" in response.content.decode()
    client.post(url, {"reason": "已由企业慰问"})
    html = page(client, draft)
    assert "已由企业慰问" in html and "¥1000.00" in html
    client.post(reverse("funds:batch_line_include", args=[draft.pk, line.pk]))
    assert draft.lines.get(pk=line.pk).status == LineStatus.PENDING


def test_cadre_marks_delivered_from_the_batch_page_and_a_double_click_pays_once(client_for, approved, cadre):
    client = client_for(cadre)
    html = page(client, approved)
    line = approved.lines.get(file__name="王一")
    assert f'action="{reverse("funds:batch_line_deliver", args=[approved.pk, line.pk])}"' in html
    data = {"delivered_on": today().isoformat(), "received_by": "王一之妻", "key": "click"}
    url = reverse("funds:batch_line_deliver", args=[approved.pk, line.pk])
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    line.refresh_from_db()
    assert line.status == LineStatus.DELIVERED and line.received_by == "王一之妻"
    assert LedgerTransaction.objects.filter(kind=Kind.DISBURSEMENT).count() == 1
    assert "received by 王一之妻" in page(client, approved)


@pytest.mark.parametrize(
    ("over", "text"),
    [
        ({"delivered_on": "2100-01-01"}, "cannot be dated in the future"),
        ({"delivered_on": "not a date"}, "Enter a valid date"),
        ({"received_by": ""}, "This field is required"),
        ({"received_by": "名" * 51}, "at most 50 characters"),
    ],
)
def test_bad_delivery_input_is_explained_and_nothing_is_paid(client_for, approved, cadre, over, text):
    line = approved.lines.get(file__name="王一")
    data = {"delivered_on": today().isoformat(), "received_by": "本人", "key": "k", **over}
    response = client_for(cadre).post(reverse("funds:batch_line_deliver", args=[approved.pk, line.pk]), data)
    assert response.status_code == 200 and text in response.content.decode()
    assert not LedgerTransaction.objects.filter(kind=Kind.DISBURSEMENT).exists()


def test_filter_delivered_and_undelivered_and_search(client_for, approved, cadre, branch_chair):
    line = approved.lines.get(file__name="王一")
    batch_line_deliver(line=line, by=cadre, delivered_on=today(), received_by="本人", idempotency_key="x")
    client = client_for(branch_chair)
    delivered = page(client, approved, status="delivered")
    pending = page(client, approved, status="pending")
    assert "王一" in delivered and "李二" not in delivered
    assert "王一" not in pending and "李二" in pending and "张三" in pending
    found = page(client, approved, q="李")
    assert "李二" in found and "王一" not in found
    zhang = approved.lines.get(file__name="张三").file
    by_id = page(client, approved, q=zhang.id_number)
    assert "张三" in by_id and "李二" not in by_id


def test_close_releases_and_a_mistaken_delivery_is_reversed(client_for, approved, cadre, branch_chair, fund):
    line = approved.lines.get(file__name="王一")
    batch_line_deliver(line=line, by=cadre, delivered_on=today(), received_by="本人", idempotency_key="x")
    client = client_for(branch_chair)
    url = reverse("funds:batch_line_reverse", args=[approved.pk, line.pk])
    assert "This field is required" in client.post(url, {"reason": ""}).content.decode()
    client.post(url, {"reason": "错记"})
    assert approved.lines.get(pk=line.pk).status == LineStatus.PENDING
    client.post(reverse("funds:batch_close", args=[approved.pk]))
    approved.refresh_from_db()
    assert approved.status == BatchStatus.CLOSED
    assert FundBalance.objects.get(fund=fund).available == Decimal("10000.00")


def test_cancel_needs_a_reason(client_for, draft, branch_chair):
    client = client_for(branch_chair)
    url = reverse("funds:batch_cancel", args=[draft.pk])
    assert "This field is required" in client.post(url, {"reason": " "}).content.decode()
    client.post(url, {"reason": "金额有误"})
    draft.refresh_from_db()
    assert draft.status == BatchStatus.CANCELLED


def test_sign_off_sheet_has_a_line_per_household_with_a_space_to_sign(client_for, draft, branch_chair):
    draft.lines.filter(file__name="李二").update(status=LineStatus.EXCLUDED, excluded_reason="x")
    html = client_for(branch_chair, "zh-hans").get(reverse("funds:batch_sheet", args=[draft.pk])).content.decode()
    assert "签领表" in html and "领取人签名" in html
    assert html.count('class="sign"') == 2 and "王一" in html and "张三" in html and "李二" not in html


# Scope: nobody sees, counts, finds or changes households outside their units.


def test_other_branch_cannot_see_count_search_or_change_the_batch(
    client_for, approved, cadre_other_branch, chair_other_branch
):
    line = approved.lines.first()
    for user in (cadre_other_branch, chair_other_branch):
        client = client_for(user)
        listing = client.get(reverse("funds:batch_list")).content.decode()
        assert approved.name not in listing
        assert client.get(approved.get_absolute_url(), {"q": "王"}).status_code == 404
        assert client.get(reverse("funds:batch_sheet", args=[approved.pk])).status_code == 404
        data = {"delivered_on": today().isoformat(), "received_by": "x", "key": "k", "reason": "x"}
        for name in ("batch_line_deliver", "batch_line_reverse", "batch_line_exclude", "batch_line_include"):
            assert client.post(reverse(f"funds:{name}", args=[approved.pk, line.pk]), data).status_code == 404
        for name in ("batch_approve", "batch_close", "batch_cancel"):
            assert client.post(reverse(f"funds:{name}", args=[approved.pk]), data).status_code == 404
    approved.refresh_from_db()
    assert approved.status == BatchStatus.APPROVED
    assert not BatchLine.objects.filter(status=LineStatus.DELIVERED).exists()


def test_a_cadre_sees_counts_and_finds_only_their_groups_households(client_for, approved, cadre):
    client = client_for(cadre)
    html = page(client, approved)
    assert "王一" in html and "李二" in html and "张三" not in html
    zhang = approved.lines.get(file__name="张三").file
    assert "张三" not in page(client, approved, q="张") and "张三" not in page(client, approved, q=zhang.id_number)
    assert client.get(approved.get_absolute_url()).context["summary"].listed == 2
    assert "¥800.00" in html and "¥1300.00" not in html
    sheet = client.get(reverse("funds:batch_sheet", args=[approved.pk])).content.decode()
    assert "张三" not in sheet and sheet.count('class="sign"') == 2
    other = approved.lines.get(file__name="张三")
    url = reverse("funds:batch_line_deliver", args=[approved.pk, other.pk])
    assert client.post(url, {"delivered_on": today().isoformat(), "received_by": "x", "key": "k"}).status_code == 404


def test_a_cadre_cannot_approve_close_or_exclude(client_for, draft, cadre):
    client = client_for(cadre)
    client.post(reverse("funds:batch_approve", args=[draft.pk]))
    line = draft.lines.get(file__name="王一")
    client.post(reverse("funds:batch_line_exclude", args=[draft.pk, line.pk]), {"reason": "x"})
    draft.refresh_from_db()
    assert draft.status == BatchStatus.DRAFT and draft.lines.get(pk=line.pk).status == LineStatus.PENDING


# Query counts: constant whatever the number of rows.


def _queries(client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_batch_page_and_sheet_queries_do_not_grow_with_the_lines(
    client_for, group_a1, branch_a, branch_chair, cadre, django_assert_max_num_queries
):
    for _ in range(3):
        household(group_a1, 0)
    batch = batch_approve(batch=make_batch(branch_a, funded(branch_a, "90000"), branch_chair), by=chair_of(branch_a))
    urls = [batch.get_absolute_url(), reverse("funds:batch_sheet", args=[batch.pk])]
    client = client_for(cadre)
    client.get(urls[0])  # the session and the scope are read once and cached
    small = [_queries(client, url) for url in urls]
    for _ in range(25):
        hfile = household(group_a1, 1)
        BatchLine.objects.create(batch=batch, holiday=batch.holiday, file=hfile, tier=hfile.tier, cash=Decimal("1"))
    assert [_queries(client, url) for url in urls] == small
    with django_assert_max_num_queries(small[0]):
        client.get(batch.get_absolute_url(), {"status": "pending", "q": "王"})


def test_batch_list_queries_do_not_grow_with_the_batches(
    client_for, group_a1, branch_a, branch_chair, django_assert_max_num_queries
):
    client = client_for(branch_chair)
    household(group_a1, 0)
    make_batch(branch_a, funded(branch_a), branch_chair)
    client.get(reverse("funds:batch_list"))
    small = _queries(client, reverse("funds:batch_list"))
    for code in ("mid-autumn", "new-year"):
        for year in (2026, 2027):
            make_batch(branch_a, funded(branch_a), branch_chair, on=holiday(year, code))
    with django_assert_max_num_queries(small):
        assert len(client.get(reverse("funds:batch_list")).context["page"].items) == 5


def test_keyset_pages_of_lines(client_for, settings, group_a1, branch_a, branch_chair):
    settings.HARDSHIP = {**settings.HARDSHIP, "PAGE_SIZE": 2}
    for _ in range(5):
        household(group_a1, 0)
    batch = make_batch(branch_a, funded(branch_a), branch_chair)
    client = client_for(branch_chair)
    seen, params = [], {}
    while True:
        response = client.get(batch.get_absolute_url(), params)
        page_ = response.context["page"]
        seen += [line.pk for line in page_.items]
        if not page_.next_cursor:
            break
        params = {"after": page_.next_cursor}
    assert seen == sorted(batch.lines.values_list("pk", flat=True))


def test_the_pages_speak_chinese(client_for, approved, branch_chair):
    client = client_for(branch_chair, "zh-hans")
    html = client.get(approved.get_absolute_url()).content.decode()
    assert "签领表" in html and "结束批次" in html and "合计" in html
    assert "节日慰问" in client.get(reverse("funds:batch_list")).content.decode()
    assert "新建慰问批次" in client.get(reverse("funds:batch_create")).content.decode()


def test_a_sign_off_sheet_per_group(client_for, draft, branch_chair, cadre, group_a2):
    url = reverse("funds:batch_sheet", args=[draft.pk])
    a2 = client_for(branch_chair).get(url, {"unit": group_a2.pk}).content.decode()
    assert "张三" in a2 and "王一" not in a2 and "李二" not in a2
    # A unit outside the cadre's scope narrows nothing beyond their own households.
    mine = client_for(cadre).get(url, {"unit": group_a2.pk}).content.decode()
    assert "张三" not in mine and "王一" in mine


def test_the_form_offers_only_the_tiers_the_condolence_type_names(client_for, branch_chair):
    from .helpers import aid_type

    deep, relative = tiers()[:2]
    aid_type("condolence").tiers.set([deep])
    form = client_for(branch_chair).get(reverse("funds:batch_create")).context["form"]
    assert f"cash_{deep.pk}" in form.fields and f"cash_{relative.pk}" not in form.fields


def test_a_delivered_line_links_its_holiday_visit(client_for, approved, cadre):
    from tests.factories import VisitFactory

    line = approved.lines.get(file__name="王一")
    visit = VisitFactory(file=line.file, kind="holiday", visited_on=holiday().starts_on)
    batch_line_deliver(line=line, by=cadre, delivered_on=today(), received_by="本人", idempotency_key="x")
    html = page(client_for(cadre), approved)
    assert reverse("visits:visit_detail", args=[visit.pk]) in html
