"""Every write to a holiday condolence batch: create, exclude and include households, approve, deliver,
reverse a delivery, close, cancel.

Each service locks the batch row first and then the line (the same order
everywhere, so deliveries, approvals and closing never deadlock), checks the
status and who may act, writes a `BatchEvent`, and moves money only through the
ledger services in the same database transaction. Approval reserves the total of
the pending lines at once; a delivery pays its line from that reservation; closing
releases what is left. So the batch's part of the fund's reserved money is always
the sum of its pending lines.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import HardshipFile, Tier
from cases.workflow import FileStatus
from org.models import Role, Unit
from org.scoping import scope_for
from visits.models import Holiday, Visit, VisitKind
from visits.selectors import holiday_window

from ..models import (
    PLACE_HOLDING,
    AidType,
    BatchAction,
    BatchEvent,
    BatchLine,
    BatchStatus,
    BatchTier,
    CondolenceBatch,
    Fund,
    LedgerTransaction,
    LineStatus,
)
from .aid import _clean_amount
from .ledger import (
    ALLOCATION_LIMIT,
    MANAGE_ROLES,
    ZERO,
    LedgerError,
    fund_disburse,
    fund_may_manage,
    fund_release,
    fund_reserve,
    transaction_reverse,
)

# Whoever hands the condolence over at the household's door records it.
DELIVER_ROLES = frozenset({Role.CADRE, Role.BRANCH_CHAIR})
CONDOLENCE_TYPE = "condolence"
LINES_PER_INSERT = 1000


@dataclass(frozen=True)
class TierGift:
    """What households of one tier receive; a tier with nothing is left out of the batch."""

    tier: Tier
    cash: Decimal = ZERO
    goods: str = ""
    goods_value: Decimal = ZERO


# Who is in a batch: the one place that says which households a holiday condolence reaches.


def condolence_eligible(files: QuerySet, *, holiday: Holiday, aid_type: AidType) -> QuerySet:
    """Filed households, and relieved ones whose transition period still runs when the holiday starts, of the
    tiers the condolence aid type names (none named: every tier)."""
    in_transition = Q(status=FileStatus.RELIEVED, transition_ends_on__gte=holiday.starts_on)
    files = files.filter(Q(status=FileStatus.FILED) | in_transition)
    tiers = [tier.pk for tier in aid_type.tiers.all()]
    return files.filter(tier__in=tiers) if tiers else files


def condolence_tiers(active: list[Tier]) -> list[Tier]:
    """The tiers a batch may give to: those the condolence aid type names, or every active tier."""
    aid_type = AidType.objects.filter(code=CONDOLENCE_TYPE).prefetch_related("tiers").first()
    named = {tier.pk for tier in aid_type.tiers.all()} if aid_type else set()
    return [tier for tier in active if not named or tier.pk in named]


def already_in_a_batch(holiday: Holiday) -> Exists:
    """The household holds a place in some batch for the holiday (filter HardshipFile rows with it)."""
    return Exists(BatchLine.objects.filter(holiday=holiday, file=OuterRef("pk"), status__in=PLACE_HOLDING).order_by())


def batch_may_manage(*, user, batch: CondolenceBatch) -> bool:
    """Federation staff and branch chairs over the batch's unit create, approve, close and correct it."""
    return bool(scope_for(user).roles_at(batch.unit) & MANAGE_ROLES)


def line_may_deliver(*, user, line: BatchLine) -> bool:
    return bool(scope_for(user).roles_at(line.file.unit) & DELIVER_ROLES)


def pending_total(batch: CondolenceBatch) -> Decimal:
    """The money the batch holds (or would hold, before approval) for households not yet delivered."""
    return batch.lines.filter(status=LineStatus.PENDING).total_value()


# Validation.


def _clean_gift(gift: TierGift) -> TierGift | None:
    cash, value = _clean_amount(gift.cash, "cash"), _clean_amount(gift.goods_value, "goods_value")
    goods = gift.goods.strip()
    if goods and value <= 0:
        raise ValidationError({"goods_value": _("Give the value of the goods for %(tier)s.") % {"tier": gift.tier}})
    if value > 0 and not goods:
        raise ValidationError({"goods": _("Describe the goods for %(tier)s.") % {"tier": gift.tier}})
    if len(goods) > 200:
        raise ValidationError({"goods": _("Describe the goods in at most 200 characters.")})
    if cash + value == 0:
        return None
    return TierGift(tier=gift.tier, cash=cash, goods=goods, goods_value=value)


def _check_fund(unit: Unit, fund: Fund, by) -> None:
    reachable = fund.unit_id in unit.ancestor_ids() and fund.unit_id in scope_for(by).unit_ids
    if not reachable or not fund.is_active or not fund_may_manage(user=by, fund=fund):
        raise ValidationError({"fund": _("Choose an active fund you manage, of the batch's unit or a unit above it.")})


def _condolence_type() -> AidType:
    aid_type = AidType.objects.filter(code=CONDOLENCE_TYPE, is_active=True).first()
    if aid_type is None:
        raise ValidationError(_("The holiday condolence aid type is missing; ask an administrator."))
    return aid_type


def _require_manager(by, batch: CondolenceBatch) -> None:
    if not batch_may_manage(user=by, batch=batch):
        raise PermissionDenied(_("Your role does not allow changing this batch."))


def _lock(batch: CondolenceBatch) -> CondolenceBatch:
    related = ("unit", "fund__unit", "holiday")
    return CondolenceBatch.objects.select_for_update(of=("self",)).select_related(*related).get(pk=batch.pk)


def _lock_line(line: BatchLine) -> tuple[CondolenceBatch, BatchLine]:
    """The line's batch and then the line, locked in that order."""
    batch = _lock(line.batch)
    line = BatchLine.objects.select_for_update(of=("self",)).select_related("file__unit", "payment").get(pk=line.pk)
    return batch, line


def _require_status(batch: CondolenceBatch, status: str, message: str) -> None:
    if batch.status != status:
        raise ValidationError(message, code="status")


def _event(batch: CondolenceBatch, action: str, by, *, line: BatchLine | None = None, comment: str = "") -> None:
    BatchEvent.objects.create(batch=batch, line=line, action=action, actor=by, comment=comment.strip()[:300])


# The services.


@transaction.atomic
def batch_create(*, unit: Unit, holiday: Holiday, fund: Fund, name: str, gifts: list[TierGift], by) -> CondolenceBatch:
    """A draft batch listing every eligible household of the unit's subtree whose tier receives something."""
    if not scope_for(by).roles_at(unit) & MANAGE_ROLES:
        raise PermissionDenied(_("Your role does not allow holiday condolence batches in %(unit)s.") % {"unit": unit})
    _check_fund(unit, fund, by)
    if not name.strip():
        raise ValidationError({"name": _("Name the batch.")})
    if len({g.tier.pk for g in gifts}) != len(gifts):
        raise ValidationError(_("Give each tier once."))
    cleaned = {g.tier.pk: g for g in filter(None, map(_clean_gift, gifts))}
    if not cleaned:
        raise ValidationError(_("Give money or goods to at least one tier."))
    aid_type = _condolence_type()
    _check_tiers(aid_type, cleaned.values())
    batch = CondolenceBatch.objects.create(
        unit=unit, holiday=holiday, fund=fund, aid_type=aid_type, name=name.strip(), created_by=by
    )
    BatchTier.objects.bulk_create(
        BatchTier(batch=batch, tier=g.tier, cash=g.cash, goods=g.goods, goods_value=g.goods_value)
        for g in cleaned.values()
    )
    count = _add_lines(batch, cleaned, by)
    if not count:
        raise ValidationError(
            _("No eligible household of %(unit)s has a tier you gave something to, or all are already in a batch "
              "for this holiday.") % {"unit": unit}
        )  # fmt: skip
    _event(batch, BatchAction.CREATE, by, comment=str(count))
    return batch


def _check_tiers(aid_type: AidType, gifts) -> None:
    named = {tier.pk for tier in aid_type.tiers.all()}
    if left_out := [str(g.tier) for g in gifts if named and g.tier.pk not in named]:
        raise ValidationError(
            _("%(type)s is not given to the tiers %(tiers)s.") % {"type": aid_type, "tiers": ", ".join(left_out)}
        )


def _add_lines(batch: CondolenceBatch, gifts: dict[int, TierGift], by) -> int:
    files = condolence_eligible(
        HardshipFile.objects.visible_to(by).filter(unit__path__startswith=batch.unit.path),
        holiday=batch.holiday,
        aid_type=batch.aid_type,
    )
    rows = (
        files.filter(tier_id__in=gifts)
        .exclude(already_in_a_batch(batch.holiday))
        .order_by("unit__path", "name", "pk")
        .values_list("pk", "tier_id")
    )
    lines = [
        BatchLine(batch=batch, holiday=batch.holiday, file_id=pk, tier_id=tier_id, cash=gifts[tier_id].cash,
                  goods=gifts[tier_id].goods, goods_value=gifts[tier_id].goods_value)
        for pk, tier_id in rows
    ]  # fmt: skip
    try:
        with transaction.atomic():
            BatchLine.objects.bulk_create(lines, batch_size=LINES_PER_INSERT)
    except IntegrityError:
        raise ValidationError(
            _("Some households were just put in another batch for this holiday; try again.")
        ) from None
    return len(lines)


@transaction.atomic
def batch_line_exclude(*, line: BatchLine, by, reason: str) -> BatchLine:
    """Take a household out of a draft batch, with a reason."""
    batch, line = _lock_line(line)
    _require_manager(by, batch)
    _require_status(batch, BatchStatus.DRAFT, _("Households can only be excluded before the batch is approved."))
    if line.status != LineStatus.PENDING:
        raise ValidationError(_("This household is already excluded."), code="status")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the household is excluded.")})
    line.status, line.excluded_reason = LineStatus.EXCLUDED, reason.strip()[:300]
    line.save(update_fields=["status", "excluded_reason"])
    _event(batch, BatchAction.EXCLUDE, by, line=line, comment=reason)
    return line


@transaction.atomic
def batch_line_include(*, line: BatchLine, by) -> BatchLine:
    """Put an excluded household back into a draft batch, unless another batch took it meanwhile."""
    batch, line = _lock_line(line)
    _require_manager(by, batch)
    _require_status(batch, BatchStatus.DRAFT, _("Households can only be included before the batch is approved."))
    if line.status != LineStatus.EXCLUDED:
        raise ValidationError(_("This household is not excluded."), code="status")
    line.status, line.excluded_reason = LineStatus.PENDING, ""
    try:
        with transaction.atomic():
            line.save(update_fields=["status", "excluded_reason"])
    except IntegrityError:
        raise ValidationError(_("The household is now in another batch for this holiday.")) from None
    _event(batch, BatchAction.INCLUDE, by, line=line)
    return line


@transaction.atomic
def batch_approve(*, batch: CondolenceBatch, by) -> CondolenceBatch:
    """Approve the batch as a whole: its total is reserved on the fund in one transaction, or nothing happens."""
    batch = _lock(batch)
    _require_manager(by, batch)
    _require_status(batch, BatchStatus.DRAFT, _("Only a draft batch can be approved."))
    if batch.created_by_id == by.pk:
        raise PermissionDenied(_("Nobody may approve a batch they created."))
    if not fund_may_manage(user=by, fund=batch.fund):
        raise PermissionDenied(_("Your role does not allow reserving money of %(fund)s.") % {"fund": batch.fund})
    total = pending_total(batch)
    if total <= 0:
        raise ValidationError(_("The batch has no household to deliver to."), code="empty")
    batch.reservation = fund_reserve(
        fund=batch.fund, amount=total, by=by, idempotency_key=f"batch-{batch.pk}-reserve", memo=batch.name,
        cause=batch, limit=ALLOCATION_LIMIT,
    )  # fmt: skip
    batch.status, batch.approved_by, batch.approved_at = BatchStatus.APPROVED, by, timezone.now()
    batch.save(update_fields=["status", "reservation", "approved_by", "approved_at"])
    _event(batch, BatchAction.APPROVE, by, comment=str(total))
    return batch


def deliver_key(line: BatchLine, key: str) -> str:
    return f"batchline-{line.pk}-deliver-{key.strip()}"


@transaction.atomic
def batch_line_deliver(
    *, line: BatchLine, by, delivered_on: dt.date, received_by: str, idempotency_key: str
) -> BatchLine:
    """Record the household's receipt and pay its line from the batch's reservation; the same key again pays
    nothing more."""
    batch, line = _lock_line(line)
    key = deliver_key(line, idempotency_key)
    if line.status == LineStatus.DELIVERED and line.payment.idempotency_key == key:
        return line
    if not line_may_deliver(user=by, line=line):
        raise PermissionDenied(_("Your role does not allow recording deliveries to this household."))
    _require_status(batch, BatchStatus.APPROVED, _("Deliveries are recorded while the batch is approved and open."))
    if line.status != LineStatus.PENDING:
        raise ValidationError(
            _("This household's condolence was already recorded as %(status)s.")
            % {"status": line.get_status_display()},
            code="status",
        )
    _check_delivery(batch, delivered_on, received_by)
    if LedgerTransaction.objects.filter(idempotency_key=key).exists():
        # The key paid this line before and that payment was reversed: a form from before the reversal.
        raise ValidationError(_("This form was already used; reload the page and record the delivery again."))
    line.payment = fund_disburse(
        fund=batch.fund, amount=line.value, by=by, idempotency_key=key, memo=batch.name, cause=line
    )
    line.status, line.delivered_on, line.received_by, line.delivered_by = (
        LineStatus.DELIVERED, delivered_on, received_by.strip(), by,
    )  # fmt: skip
    line.visit = holiday_visit(line.file_id, batch.holiday)
    line.save(update_fields=["status", "payment", "delivered_on", "received_by", "delivered_by", "visit"])
    _event(batch, BatchAction.DELIVER, by, line=line, comment=received_by)
    return line


def holiday_visit(file_id: int, holiday: Holiday) -> Visit | None:
    """The household's latest holiday visit in the holiday's visiting window, if one was recorded."""
    first, last = holiday_window(holiday)
    visits = Visit.objects.filter(file_id=file_id, kind=VisitKind.HOLIDAY, visited_on__gte=first, visited_on__lte=last)
    return visits.order_by("-visited_on", "-pk").first()


def _check_delivery(batch: CondolenceBatch, delivered_on: dt.date, received_by: str) -> None:
    if delivered_on > timezone.localdate():
        raise ValidationError({"delivered_on": _("A delivery cannot be dated in the future.")})
    created = timezone.localdate(batch.created_at)
    if delivered_on < created:
        raise ValidationError(
            {"delivered_on": _("The delivery is dated before the batch was made (%(date)s).")
             % {"date": f"{created:%Y-%m-%d}"}}
        )  # fmt: skip
    if not received_by.strip():
        raise ValidationError({"received_by": _("Say who received it.")})
    if len(received_by.strip()) > 50:
        raise ValidationError({"received_by": _("Give the name in at most 50 characters.")})


@transaction.atomic
def batch_line_reverse(*, line: BatchLine, by, reason: str) -> BatchLine:
    """Undo a delivery recorded by mistake: the payment is reversed back into the reservation.

    The line can then be delivered again; once the batch is closed its money is
    released at the same time, as closing released the other undelivered lines.
    """
    batch, line = _lock_line(line)
    _require_manager(by, batch)
    if line.status != LineStatus.DELIVERED:
        raise LedgerError(_("Only a delivered household's payment can be reversed."), code="status")
    reversal = transaction_reverse(txn=line.payment, by=by, reason=reason, for_cause=True)
    line.status = LineStatus.PENDING
    if batch.status == BatchStatus.CLOSED:
        fund_release(
            fund=batch.fund, amount=line.value, by=by, idempotency_key=f"batchline-{line.pk}-release-{reversal.pk}",
            memo=batch.name, cause=line,
        )  # fmt: skip
        line.status = LineStatus.RELEASED
    line.payment, line.delivered_on, line.received_by, line.delivered_by, line.visit = None, None, "", None, None
    line.save(update_fields=["status", "payment", "delivered_on", "received_by", "delivered_by", "visit"])
    _event(batch, BatchAction.REVERSE, by, line=line, comment=reason)
    return line


@transaction.atomic
def batch_close(*, batch: CondolenceBatch, by) -> CondolenceBatch:
    """Close an approved batch: the money of the households not delivered goes back to the fund."""
    batch = _lock(batch)
    _require_manager(by, batch)
    _require_status(batch, BatchStatus.APPROVED, _("Only an approved batch can be closed."))
    total = pending_total(batch)
    if total > 0:
        fund_release(
            fund=batch.fund, amount=total, by=by, idempotency_key=f"batch-{batch.pk}-close", memo=batch.name,
            cause=batch, limit=ALLOCATION_LIMIT,
        )  # fmt: skip
    released = batch.lines.filter(status=LineStatus.PENDING).update(status=LineStatus.RELEASED)
    batch.status, batch.closed_at = BatchStatus.CLOSED, timezone.now()
    batch.save(update_fields=["status", "closed_at"])
    _event(batch, BatchAction.CLOSE, by, comment=str(released))
    return batch


@transaction.atomic
def batch_cancel(*, batch: CondolenceBatch, by, reason: str) -> CondolenceBatch:
    """Drop a draft batch: no money was reserved, and its households are free for another batch."""
    batch = _lock(batch)
    _require_manager(by, batch)
    _require_status(batch, BatchStatus.DRAFT, _("Only a draft batch can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the batch is cancelled.")})
    batch.lines.filter(status=LineStatus.PENDING).update(status=LineStatus.CANCELLED)
    batch.status = BatchStatus.CANCELLED
    batch.save(update_fields=["status"])
    _event(batch, BatchAction.CANCEL, by, comment=reason)
    return batch
