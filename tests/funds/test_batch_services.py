"""Holiday condolence batches: who is listed, approval as a whole, delivery, closing, reversal, one batch per
household and holiday, and who may do what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.workflow import FileStatus
from funds.models import (
    Account,
    BatchAction,
    BatchLine,
    BatchStatus,
    Entry,
    FundBalance,
    LedgerTransaction,
    LineStatus,
    TransactionKind,
)
from funds.services import (
    LedgerError,
    TierGift,
    already_received,
    batch_approve,
    batch_cancel,
    batch_close,
    batch_create,
    batch_line_deliver,
    batch_line_exclude,
    batch_line_include,
    batch_line_reverse,
    condolence_tiers,
    pending_total,
)
from hardship.money import MoneySum
from tests.factories import funded

from .batch_helpers import chair_of, holiday, household, make_batch, tiers, today
from .helpers import aid_type, assert_ledger_consistent, ledger_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(branch_a):
    return funded(branch_a, "10000.00")


@pytest.fixture
def approver(branch_a):
    return chair_of(branch_a)


def balance(fund) -> tuple:
    row = FundBalance.objects.get(fund=fund)
    return row.available, row.reserved


def deliver(line, by, key: str = "k1", **kw):
    kw.setdefault("delivered_on", today())
    kw.setdefault("received_by", "本人")
    return batch_line_deliver(line=line, by=by, idempotency_key=key, **kw)


def test_batch_lists_eligible_households_of_the_unit_by_tier(group_a1, group_a2, group_b1, fund, branch_chair):
    deep = household(group_a1, 0)
    relative = household(group_a2, 1)
    in_transition = household(group_a1, 0, status=FileStatus.RELIEVED, transition_ends_on=dt.date(2030, 1, 1))
    household(group_a1, 0, status=FileStatus.RELIEVED, transition_ends_on=dt.date(2027, 1, 31))  # ended
    household(group_a1, 0, status=FileStatus.DRAFT)
    household(group_a1, 0, status=FileStatus.CLOSED)
    household(group_a1, 2)  # a tier that gets nothing
    household(group_b1, 0)  # another branch

    batch = make_batch(group_a1.parent, fund, branch_chair, goods="米面油")

    lines = {line.file_id: line for line in batch.lines.all()}
    assert set(lines) == {deep.pk, relative.pk, in_transition.pk}
    assert (lines[deep.pk].cash, lines[deep.pk].goods, lines[deep.pk].goods_value) == (
        Decimal("500.00"), "米面油", Decimal("100.00"),
    )  # fmt: skip
    assert lines[relative.pk].value == Decimal("300.00")
    assert pending_total(batch) == Decimal("1500.00")
    assert batch.status == BatchStatus.DRAFT and batch.aid_type == aid_type("condolence")
    assert batch.events.get().action == BatchAction.CREATE


def test_approval_reserves_the_whole_total_in_one_transaction(group_a1, fund, branch_chair, approver):
    household(group_a1, 0), household(group_a1, 1)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver)
    assert batch.status == BatchStatus.APPROVED and batch.approved_by == approver
    assert batch.reservation.kind == TransactionKind.RESERVATION and batch.reservation.cause == batch
    assert LedgerTransaction.objects.filter(kind=TransactionKind.RESERVATION).count() == 1
    assert balance(fund) == (Decimal("9200.00"), Decimal("800.00"))
    assert_ledger_consistent()


def test_a_total_above_one_aid_amount_is_reserved_at_once(group_a1, branch_a, branch_chair, approver):
    fund = funded(branch_a, "2000000.00")
    household(group_a1, 0), household(group_a1, 0)
    batch = make_batch(branch_a, fund, branch_chair, first="600000.00")
    batch_approve(batch=batch, by=approver)
    assert balance(fund)[1] == Decimal("1200000.00")


def test_short_fund_is_refused_and_nothing_changes(group_a1, branch_a, branch_chair, approver):
    fund = funded(branch_a, "700.00")
    household(group_a1, 0), household(group_a1, 1)
    batch = make_batch(branch_a, fund, branch_chair)
    before = ledger_snapshot()
    with pytest.raises(LedgerError, match="has only 700.00 yuan available; 800.00 yuan would be needed"):
        batch_approve(batch=batch, by=approver)
    assert ledger_snapshot() == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT and batch.reservation is None
    assert not batch.events.filter(action=BatchAction.APPROVE).exists()


def test_the_creator_cannot_approve_their_own_batch(group_a1, fund, branch_chair):
    household(group_a1, 0)
    batch = make_batch(group_a1.parent, fund, branch_chair)
    with pytest.raises(PermissionDenied, match="created"):
        batch_approve(batch=batch, by=branch_chair)
    assert balance(fund) == (Decimal("10000.00"), Decimal("0.00"))


def test_only_managers_over_the_unit_create_and_approve(
    group_a1, branch_a, fund, cadre, chair_other_branch, branch_chair
):
    household(group_a1, 0)
    for outsider in (cadre, chair_other_branch):
        with pytest.raises(PermissionDenied):
            make_batch(branch_a, fund, outsider)
    batch = make_batch(branch_a, fund, branch_chair)
    for outsider in (cadre, chair_other_branch):
        with pytest.raises(PermissionDenied):
            batch_approve(batch=batch, by=outsider)
    assert BatchLine.objects.count() == 1


def test_federation_staff_approve_a_branch_batch(group_a1, fund, branch_chair, federation_staff):
    household(group_a1, 0)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=federation_staff)
    assert batch.status == BatchStatus.APPROVED


@pytest.mark.parametrize(
    ("bad", "field", "text"),
    [
        ({"first": "-1"}, "cash", "cannot be negative"),
        ({"first": "2000000"}, "cash", "not a plausible amount"),
        ({"first": "abc"}, "cash", "Enter an amount"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_saved(group_a1, fund, branch_chair, bad, field, text):
    household(group_a1, 0)
    with pytest.raises(ValidationError) as caught:
        make_batch(group_a1.parent, fund, branch_chair, **bad)
    assert any(text in m for m in caught.value.message_dict[field])
    assert not BatchLine.objects.exists()


def test_goods_need_a_description_and_a_value(group_a1, fund, branch_chair):
    household(group_a1, 0)
    deep = tiers()[0]
    for gift, field in (
        (TierGift(tier=deep, goods="米", goods_value=Decimal("0")), "goods_value"),
        (TierGift(tier=deep, goods="", goods_value=Decimal("50")), "goods"),
    ):
        with pytest.raises(ValidationError) as caught:
            batch_create(unit=group_a1.parent, holiday=holiday(), fund=fund, name="x", gifts=[gift], by=branch_chair)
        assert field in caught.value.message_dict


def test_nothing_to_give_or_nobody_to_give_it_to_is_refused(group_a1, fund, branch_chair):
    with pytest.raises(ValidationError, match="at least one tier"):
        make_batch(group_a1.parent, fund, branch_chair, first="0", second="0")
    with pytest.raises(ValidationError, match="No eligible household"):
        make_batch(group_a1.parent, fund, branch_chair)


def test_fund_must_be_the_units_or_above_and_managed(group_a1, group_b1, branch_a, branch_chair, federation):
    household(group_a1, 0)
    for wrong in (funded(group_b1), funded(federation)):  # another branch; above the chair's scope
        with pytest.raises(ValidationError) as caught:
            make_batch(branch_a, wrong, branch_chair)
        assert "fund" in caught.value.message_dict


def test_federation_batch_pays_from_a_federation_fund(group_a1, group_b1, federation, federation_staff):
    household(group_a1, 0), household(group_b1, 1)
    batch = make_batch(federation, funded(federation, "5000.00"), federation_staff)
    assert batch.lines.count() == 2


def test_excluding_a_household_needs_a_reason_and_takes_it_out_of_the_total(group_a1, fund, branch_chair, approver):
    household(group_a1, 0), household(group_a1, 1)
    batch = make_batch(group_a1.parent, fund, branch_chair)
    line = batch.lines.get(tier=tiers()[0])
    with pytest.raises(ValidationError):
        batch_line_exclude(line=line, by=branch_chair, reason="  ")
    line = batch_line_exclude(line=line, by=branch_chair, reason="已由企业慰问")
    assert line.status == LineStatus.EXCLUDED and pending_total(batch) == Decimal("300.00")
    batch_line_include(line=line, by=branch_chair)
    assert pending_total(batch) == Decimal("800.00")
    batch_line_exclude(line=line, by=branch_chair, reason="已由企业慰问")
    batch_approve(batch=batch, by=approver)
    assert balance(fund)[1] == Decimal("300.00")
    with pytest.raises(ValidationError, match="before the batch is approved"):
        batch_line_include(line=line, by=branch_chair)


def test_a_cadre_cannot_exclude(group_a1, fund, branch_chair, cadre):
    household(group_a1, 0)
    line = make_batch(group_a1.parent, fund, branch_chair).lines.get()
    with pytest.raises(PermissionDenied):
        batch_line_exclude(line=line, by=cadre, reason="x")


def test_delivery_pays_the_line_from_the_reservation(group_a1, fund, branch_chair, approver, cadre):
    household(group_a1, 0, name="王大"), household(group_a1, 1)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver)
    line = batch.lines.get(tier=tiers()[0])
    line = deliver(line, cadre, received_by="王大之妻")
    assert (line.status, line.received_by, line.delivered_by) == (LineStatus.DELIVERED, "王大之妻", cadre)
    assert line.payment.kind == TransactionKind.DISBURSEMENT and line.payment.cause == line
    assert balance(fund) == (Decimal("9200.00"), Decimal("300.00"))
    paid = Entry.objects.filter(fund=fund, account=Account.PAID_OUT).aggregate(s=MoneySum("amount"))["s"]
    assert paid == Decimal("500.00")
    assert_ledger_consistent()


def test_a_double_click_pays_once(group_a1, fund, branch_chair, approver, cadre):
    household(group_a1, 0)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver)
    line = batch.lines.get()
    first = deliver(line, cadre, key="same")
    again = deliver(line, cadre, key="same")
    assert again.payment_id == first.payment_id
    with pytest.raises(ValidationError, match="already recorded as Delivered"):
        deliver(line, branch_chair, key="other")
    assert LedgerTransaction.objects.filter(kind=TransactionKind.DISBURSEMENT).count() == 1
    assert balance(fund) == (Decimal("9500.00"), Decimal("0.00"))


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"delivered_on": dt.date(2100, 1, 1)}, "delivered_on"),
        ({"delivered_on": dt.date(2000, 1, 1)}, "delivered_on"),
        ({"received_by": "  "}, "received_by"),
        ({"received_by": "名" * 51}, "received_by"),
    ],
)
def test_bad_delivery_input_is_refused_and_nothing_is_paid(group_a1, fund, branch_chair, approver, cadre, over, field):
    household(group_a1, 0)
    line = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver).lines.get()
    before = ledger_snapshot()
    with pytest.raises(ValidationError) as caught:
        deliver(line, cadre, **over)
    assert field in caught.value.message_dict
    assert ledger_snapshot() == before
    line.refresh_from_db()
    assert line.status == LineStatus.PENDING


def test_delivery_before_approval_or_out_of_scope_is_refused(
    group_a1, fund, branch_chair, approver, cadre, cadre_a2, nobody
):
    household(group_a1, 0)
    batch = make_batch(group_a1.parent, fund, branch_chair)
    with pytest.raises(ValidationError, match="approved"):
        deliver(batch.lines.get(), cadre)
    batch_approve(batch=batch, by=approver)
    for outsider in (cadre_a2, nobody):
        with pytest.raises(PermissionDenied):
            deliver(batch.lines.get(), outsider)
    assert batch.lines.get().status == LineStatus.PENDING


def test_closing_releases_the_undelivered_lines(group_a1, fund, branch_chair, approver, cadre):
    household(group_a1, 0), household(group_a1, 1), household(group_a1, 1)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver)
    deliver(batch.lines.get(tier=tiers()[0]), cadre)
    with pytest.raises(PermissionDenied):
        batch_close(batch=batch, by=cadre)
    batch = batch_close(batch=batch, by=branch_chair)
    assert batch.status == BatchStatus.CLOSED and batch.closed_at
    assert balance(fund) == (Decimal("9500.00"), Decimal("0.00"))
    assert batch.lines.filter(status=LineStatus.RELEASED).count() == 2
    release = LedgerTransaction.objects.get(kind=TransactionKind.RELEASE)
    assert release.entries.get(account=Account.AVAILABLE).amount == Decimal("600.00")
    with pytest.raises(ValidationError, match="approved and open"):
        deliver(batch.lines.filter(status=LineStatus.RELEASED).first(), cadre)
    with pytest.raises(ValidationError, match="Only an approved batch"):
        batch_close(batch=batch, by=branch_chair)
    assert_ledger_consistent()


def test_a_delivery_made_by_mistake_is_reversed_with_a_reason(group_a1, fund, branch_chair, approver, cadre):
    household(group_a1, 0)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver)
    line = deliver(batch.lines.get(), cadre)
    with pytest.raises(PermissionDenied):
        batch_line_reverse(line=line, by=cadre, reason="错记")
    with pytest.raises(LedgerError, match="Say why"):
        batch_line_reverse(line=line, by=branch_chair, reason=" ")
    line = batch_line_reverse(line=line, by=branch_chair, reason="错记")
    assert line.status == LineStatus.PENDING and line.payment is None and line.received_by == ""
    assert balance(fund) == (Decimal("9500.00"), Decimal("500.00"))
    with pytest.raises(LedgerError, match="Only a delivered"):
        batch_line_reverse(line=line, by=branch_chair, reason="again")
    line = deliver(line, cadre, key="second")
    assert line.status == LineStatus.DELIVERED and balance(fund)[1] == Decimal("0.00")
    assert batch.events.filter(action=BatchAction.REVERSE, comment="错记").exists()
    assert_ledger_consistent()


def test_a_form_from_before_a_reversal_does_not_deliver_again(group_a1, fund, branch_chair, approver, cadre):
    household(group_a1, 0)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver)
    line = batch_line_reverse(line=deliver(batch.lines.get(), cadre, key="old"), by=branch_chair, reason="错记")
    with pytest.raises(ValidationError, match="already used"):
        deliver(line, cadre, key="old")
    assert batch.lines.get().status == LineStatus.PENDING and balance(fund)[1] == Decimal("500.00")
    assert deliver(line, cadre, key="new").status == LineStatus.DELIVERED
    assert balance(fund) == (Decimal("9500.00"), Decimal("0.00"))
    assert_ledger_consistent()


def test_reversal_after_closing_releases_the_money_too(group_a1, fund, branch_chair, approver, cadre):
    household(group_a1, 0)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver)
    line = deliver(batch.lines.get(), cadre)
    batch_close(batch=batch, by=branch_chair)
    line = batch_line_reverse(line=line, by=branch_chair, reason="错记")
    assert line.status == LineStatus.RELEASED
    assert balance(fund) == (Decimal("10000.00"), Decimal("0.00"))
    assert_ledger_consistent()


def test_a_household_is_in_one_batch_per_holiday(group_a1, group_a2, branch_a, federation, fund, branch_chair):
    taken, free = household(group_a1, 0), household(group_a2, 0)
    first = make_batch(branch_a, fund, branch_chair)
    assert first.lines.count() == 2
    batch_line_exclude(line=first.lines.get(file=free), by=branch_chair, reason="另行慰问")
    other_chair = chair_of(branch_a)
    second = make_batch(branch_a, funded(branch_a), other_chair)
    assert list(second.lines.values_list("file_id", flat=True)) == [free.pk]
    with pytest.raises(ValidationError, match="another batch for this holiday"):
        batch_line_include(line=first.lines.get(file=free), by=branch_chair)
    with pytest.raises(ValidationError, match="already in a batch"):
        make_batch(branch_a, funded(branch_a), other_chair)
    mid_autumn = make_batch(branch_a, fund, branch_chair, on=holiday(2027, "mid-autumn"))
    assert {taken.pk, free.pk} == set(mid_autumn.lines.values_list("file_id", flat=True))


def test_cancelling_a_draft_frees_its_households(group_a1, branch_a, fund, branch_chair, approver):
    household(group_a1, 0)
    batch = make_batch(branch_a, fund, branch_chair)
    with pytest.raises(ValidationError):
        batch_cancel(batch=batch, by=branch_chair, reason="")
    batch = batch_cancel(batch=batch, by=branch_chair, reason="金额有误")
    assert batch.status == BatchStatus.CANCELLED
    assert batch.lines.get().status == LineStatus.CANCELLED
    assert make_batch(branch_a, fund, branch_chair).lines.count() == 1
    with pytest.raises(ValidationError, match="Only a draft"):
        batch_approve(batch=batch, by=approver)


def test_a_delivered_condolence_counts_as_aid_received_this_year(group_a1, fund, branch_chair, approver, cadre):
    hfile = household(group_a1, 0)
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair, goods="米"), by=approver)
    condolence, year = aid_type("condolence"), today().year
    assert already_received(hfile=hfile, aid_type=condolence, year=year) == Decimal("0.00")
    deliver(batch.lines.get(), cadre)
    assert already_received(hfile=hfile, aid_type=condolence, year=year) == Decimal("600.00")
    assert already_received(hfile=hfile, aid_type=aid_type("living"), year=year) == Decimal("0.00")
    assert already_received(hfile=hfile, aid_type=condolence, year=year - 1) == Decimal("0.00")


def test_a_delivery_links_the_households_holiday_visit(group_a1, fund, branch_chair, approver, cadre):
    from tests.factories import VisitFactory

    visited, not_visited = household(group_a1, 0), household(group_a1, 1)
    spring = holiday()
    visit = VisitFactory(file=visited, kind="holiday", visited_on=spring.starts_on - dt.timedelta(days=3))
    VisitFactory(file=visited, kind="monthly", visited_on=spring.starts_on)
    VisitFactory(file=not_visited, kind="holiday", visited_on=spring.starts_on - dt.timedelta(days=60))  # too early
    batch = batch_approve(batch=make_batch(group_a1.parent, fund, branch_chair), by=approver)
    line = deliver(batch.lines.get(file=visited), cadre)
    assert line.visit == visit
    assert deliver(batch.lines.get(file=not_visited), cadre).visit is None
    assert batch_line_reverse(line=line, by=branch_chair, reason="错记").visit is None


def test_only_the_tiers_the_condolence_type_names_are_given_to(group_a1, fund, branch_chair):
    deep, relative = tiers()[:2]
    aid_type("condolence").tiers.set([deep])
    household(group_a1, 0), household(group_a1, 1)
    with pytest.raises(ValidationError, match="is not given to the tiers"):
        make_batch(group_a1.parent, fund, branch_chair)
    batch = make_batch(group_a1.parent, fund, branch_chair, second="0")
    assert list(batch.lines.values_list("tier", flat=True)) == [deep.pk]
    assert condolence_tiers(tiers()) == [deep]
