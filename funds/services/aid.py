"""Every write to an aid request: create, edit, submit, decide, pay, reverse the payment.

Each service locks the request row, checks the transitions map and who may
act, writes an `AidDecision`, and moves money only through the ledger services
in the same database transaction: an approval that cannot reserve its money,
or a payment the fund cannot make, leaves nothing behind.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import HardshipFile, Member, PlanHelper, Schooling
from hardship.money import ABSURD_AMOUNT, MoneySum, quantize
from org.models import Unit
from org.scoping import scope_for

from ..calculator import Derivation, Facts, RuleSpec, spec_of, suggest_amount
from ..models import (
    AidDecision,
    AidInvoice,
    AidRequest,
    AidType,
    AmountRule,
    ApprovalStep,
    BatchLine,
    Delegation,
    FactsKind,
    Fund,
    LedgerTransaction,
    RuleKind,
)
from ..workflow import EDITABLE_STATUSES, TRANSITIONS, AidAction, AidStatus
from .aid_notices import aid_notify
from .evidence import evidence_check
from .guards import check_duplicates, check_eligible, require_requester
from .ledger import (
    ZERO,
    LedgerError,
    fund_disburse,
    fund_may_manage,
    fund_reserve,
    funds_lock,
    transaction_reverse,
    year_start,
)
from .topup import check_topup

NO_RULE = RuleSpec(kind=RuleKind.FIXED)
MAX_INVOICES = 20


@dataclass
class AidData:
    """What a requester enters; the facts a type does not need are ignored and cleared."""

    aid_type: AidType
    fund: Fund
    requested_amount: Decimal
    justification: str = ""
    total_cost: Decimal = ZERO
    insurance: Decimal = ZERO
    other_aid: Decimal = ZERO
    special_factor: str = ""
    invoice_numbers: list[str] = field(default_factory=list)
    child: Member | None = None
    stage: str = ""
    event: str = ""
    occasion: str = ""
    duplicate_reason: str = ""
    topup_fund: Fund | None = None
    topup_amount: Decimal = ZERO


# Reads the services and the pages share.


def facts_of(request: AidRequest) -> Facts:
    return Facts(
        total_cost=request.total_cost,
        insurance=request.insurance,
        other_aid=request.other_aid,
        special_factor=request.special_factor,
        category=request.stage,
    )


def rule_for(aid_type: AidType) -> RuleSpec:
    rule = (
        AmountRule.objects.filter(aid_type=aid_type)
        .select_related("topup_kind")
        .prefetch_related("bands", "table_rows")
        .first()
    )
    return spec_of(rule) if rule else NO_RULE


def already_received(*, hfile: HardshipFile, aid_type: AidType, year: int, exclude_pk: int | None = None) -> Decimal:
    """What the household was paid of this type in the calendar year, by request or holiday condolence batch."""
    paid = AidRequest.objects.filter(
        file=hfile, aid_type=aid_type, status=AidStatus.PAID, paid_at__gte=year_start(year),
        paid_at__lt=year_start(year + 1),
    ).exclude(pk=exclude_pk)  # fmt: skip
    by_request = paid.aggregate(s=MoneySum("requested_amount"))["s"] or ZERO
    return by_request + BatchLine.objects.value_received(hfile=hfile, aid_type=aid_type, year=year)


def aid_derivation(*, request: AidRequest) -> Derivation:
    """The suggested amount for the request as it stands, and how it is reached."""
    received = already_received(
        hfile=request.file, aid_type=request.aid_type, year=timezone.localdate().year, exclude_pk=request.pk
    )
    return suggest_amount(rule_for(request.aid_type), facts_of(request), received)


def approval_steps(*, aid_type: AidType) -> QuerySet:
    """Every level configured for the type: its own steps, else the default ones, whatever the amount."""
    steps = ApprovalStep.objects.filter(aid_type=aid_type)
    if not steps.exists():
        steps = ApprovalStep.objects.filter(aid_type__isnull=True)
    return steps.order_by("level")


def approval_chain(*, aid_type: AidType, amount: Decimal) -> list[ApprovalStep]:
    """The levels a request of this type and amount goes through."""
    return list(approval_steps(aid_type=aid_type).filter(applies_above__lt=amount))


def resolve_unit(*, unit: Unit, unit_kind: str) -> Unit:
    """The household unit's nearest ancestor (or itself) of `unit_kind`; the root when there is none."""
    chain = {u.pk: u for u in Unit.objects.filter(pk__in=unit.ancestor_ids())}
    for pk in reversed(unit.ancestor_ids()):
        if chain[pk].kind == unit_kind:
            return chain[pk]
    return chain[unit.root_id]


def decision_authority(*, user, request: AidRequest):
    """Who the user decides for at the request's current level: None (themselves) or the delegating chair.

    Raises PermissionDenied when they may not: not the level's approver, out of
    scope, or barred by separation of duties.
    """
    if request.file.unit_id not in scope_for(user).unit_ids or request.approver_unit is None:
        raise PermissionDenied(_("This request is not waiting for your decision."))
    on_behalf = None
    if request.approver_role not in scope_for(user).roles_at(request.approver_unit):
        on_behalf = _delegator_for(user, request)
    for person in filter(None, (user, on_behalf)):
        _check_separation(person, request)
    return on_behalf


def _delegator_for(user, request: AidRequest):
    today = timezone.localdate()
    acting = Delegation.objects.filter(delegate=user, starts_on__lte=today, ends_on__gte=today).select_related(
        "delegator"
    )
    for delegation in acting:
        if request.approver_role in scope_for(delegation.delegator).roles_at(request.approver_unit):
            return delegation.delegator
    raise PermissionDenied(_("This request is not waiting for your decision."))


def _check_separation(person, request: AidRequest) -> None:
    submitted = request.decisions.filter(action=AidAction.SUBMIT, actor=person).exists()
    if request.created_by_id == person.pk or submitted:
        raise PermissionDenied(_("Nobody may decide on an aid request they made."))
    if PlanHelper.objects.filter(plan__file_id=request.file_id, user=person).exists():
        raise PermissionDenied(_("A responsible helper of the household may not decide on its aid."))


# Validation shared by create, edit and submit.


def _clean_amount(value, name: str) -> Decimal:
    try:
        amount = quantize(Decimal(value))
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError({name: _("Enter an amount in yuan.")}) from None
    if amount < 0:
        raise ValidationError({name: _("The amount cannot be negative.")})
    if amount > ABSURD_AMOUNT:
        raise ValidationError({name: _("%(amount)s yuan is not a plausible amount.") % {"amount": amount}})
    return amount


def _clean_facts(hfile: HardshipFile, data: AidData, request_pk: int | None) -> dict:
    kind = data.aid_type.facts
    facts = {"total_cost": ZERO, "insurance": ZERO, "other_aid": ZERO, "special_factor": "", "child": None,
             "stage": "", "event": "", "invoices": []}  # fmt: skip
    if kind == FactsKind.MEDICAL:
        facts.update(_medical(hfile, data, request_pk))
    elif kind == FactsKind.EDUCATION:
        if data.child is None or data.child.file_id != hfile.pk:
            raise ValidationError({"child": _("Choose a child of this household.")})
        if data.stage not in Schooling.values or data.stage == Schooling.NONE:
            raise ValidationError({"stage": _("Choose the child's school stage.")})
        facts.update(child=data.child, stage=data.stage)
    elif kind == FactsKind.DISASTER:
        if not data.event.strip():
            raise ValidationError({"event": _("Name the disaster or accident.")})
        facts["event"] = data.event.strip()
    return facts


def _medical(hfile: HardshipFile, data: AidData, request_pk: int | None) -> dict:
    cost = _clean_amount(data.total_cost, "total_cost")
    insurance, other = _clean_amount(data.insurance, "insurance"), _clean_amount(data.other_aid, "other_aid")
    if cost <= 0:
        raise ValidationError({"total_cost": _("Enter the total medical cost.")})
    if insurance + other > cost:
        raise ValidationError({"insurance": _("Insurance and other aid cannot exceed the total cost.")})
    numbers = list(dict.fromkeys(n.strip().upper() for n in data.invoice_numbers if n.strip()))
    if not numbers:
        raise ValidationError({"invoice_numbers": _("Enter the hospital invoice numbers.")})
    if len(numbers) > MAX_INVOICES or any(len(n) > 50 for n in numbers):
        raise ValidationError({"invoice_numbers": _("Enter at most 20 invoice numbers of up to 50 characters.")})
    claimed = AidInvoice.objects.filter(federation_id=hfile.federation_id, number__in=numbers).exclude(
        request_id=request_pk
    )
    if taken := sorted(claimed.values_list("number", flat=True)):
        raise ValidationError(
            {"invoice_numbers": _("Already claimed in the federation: %(numbers)s.") % {"numbers": ", ".join(taken)}}
        )
    special = data.special_factor if data.special_factor else ""
    return {"total_cost": cost, "insurance": insurance, "other_aid": other, "special_factor": special,
            "invoices": numbers}  # fmt: skip


def _check_fund(hfile: HardshipFile, fund: Fund, by, name: str = "fund") -> None:
    reachable = fund.unit_id in hfile.unit.ancestor_ids() and fund.unit_id in scope_for(by).unit_ids
    if not reachable or not fund.is_active:
        raise ValidationError({name: _("Choose an active fund of the household's unit or a unit above it.")})


def _fill(request: AidRequest, data: AidData, by) -> list[str]:
    """Validate `data` for the request's household and copy it onto the request; returns the invoice numbers."""
    hfile = request.file
    if not data.aid_type.is_active:
        raise ValidationError({"aid_type": _("This aid type is no longer in use.")})
    check_eligible(hfile, data.aid_type)
    _check_fund(hfile, data.fund, by)
    amount = _clean_amount(data.requested_amount, "requested_amount")
    if amount <= 0:
        raise ValidationError({"requested_amount": _("The amount must be more than zero.")})
    topup = _clean_amount(data.topup_amount, "topup_amount")
    if topup and data.topup_fund is not None:
        _check_fund(hfile, data.topup_fund, by, "topup_fund")
    request.topup_fund, request.topup_amount = data.topup_fund, topup
    facts = _clean_facts(hfile, data, request.pk)
    invoices = facts.pop("invoices")
    for name, value in facts.items():
        setattr(request, name, value)
    request.aid_type, request.fund, request.requested_amount = data.aid_type, data.fund, amount
    request.justification = data.justification.strip()
    request.occasion, request.duplicate_reason = data.occasion.strip(), data.duplicate_reason.strip()
    check_duplicates(request)
    _check_suggestion(request)
    return invoices


def _check_suggestion(request: AidRequest) -> None:
    derivation = aid_derivation(request=request)
    request.suggested_amount = derivation.amount
    if request.requested_amount > request.suggested_amount and not request.justification:
        raise ValidationError(
            {"justification": _("%(amount)s yuan is more than the suggested %(suggested)s yuan: say why.")
             % {"amount": request.requested_amount, "suggested": request.suggested_amount}}
        )  # fmt: skip
    check_topup(request, derivation)


def _claim_invoices(request: AidRequest, numbers: list[str]) -> None:
    AidInvoice.objects.filter(request=request).exclude(number__in=numbers).delete()
    have = set(request.invoices.values_list("number", flat=True))
    try:
        with transaction.atomic():
            for number in numbers:
                if number not in have:
                    AidInvoice.objects.create(federation_id=request.federation_id, number=number, request=request)
    except IntegrityError:
        taken = _("An invoice number was just claimed by another request.")
        raise ValidationError({"invoice_numbers": taken}) from None


def _record(
    request: AidRequest, action: str, by, *, before: str, comment: str = "", level: int | None = None, on_behalf=None
) -> AidDecision:
    """The audit row of a step, and the notifications it causes, in the same transaction."""
    decision = AidDecision.objects.create(
        request=request, action=action, level=level, from_status=before, to_status=request.status,
        actor=by, on_behalf_of=on_behalf, comment=comment.strip(),
    )  # fmt: skip
    aid_notify(request=request, decision=decision)
    return decision


def _lock(request: AidRequest) -> AidRequest:
    related = ("file__unit", "fund__unit", "aid_type", "approver_unit", "topup_fund__unit")
    return AidRequest.objects.select_for_update(of=("self",)).select_related(*related).get(pk=request.pk)


def _lock_file(pk: int) -> HardshipFile:
    """The household's row, locked: requests for one household are written one at a time (duplicate guard)."""
    return HardshipFile.objects.select_for_update(of=("self",)).select_related("unit").get(pk=pk)


# The services.


@transaction.atomic
def aid_request_create(*, hfile: HardshipFile, data: AidData, by) -> AidRequest:
    """Start a draft request for a household, with its facts and the suggested amount."""
    hfile = _lock_file(hfile.pk)
    require_requester(by, hfile)
    request = AidRequest(file=hfile, federation_id=hfile.federation_id, created_by=by)
    invoices = _fill(request, data, by)
    request.save()
    _claim_invoices(request, invoices)
    _record(request, AidAction.CREATE, by, before="")
    return request


@transaction.atomic
def aid_request_update(*, request: AidRequest, data: AidData, by) -> AidRequest:
    """Change a draft or returned request."""
    request = _lock(request)
    request.file = _lock_file(request.file_id)
    require_requester(by, request.file)
    if request.status not in EDITABLE_STATUSES:
        raise ValidationError(_("Only a draft or returned request can be changed."))
    invoices = _fill(request, data, by)
    request.save()
    _claim_invoices(request, invoices)
    return request


def _set_level(request: AidRequest, chain: list[ApprovalStep], level: int) -> None:
    step = chain[level - 1]
    request.level, request.approver_role = level, step.role
    request.approver_unit = resolve_unit(unit=request.file.unit, unit_kind=step.unit_kind)


@transaction.atomic
def aid_request_submit(*, request: AidRequest, by, comment: str = "") -> AidRequest:
    """Send the request to the first level of its approval chain."""
    request = _lock(request)
    request.file = _lock_file(request.file_id)
    require_requester(by, request.file)
    if request.status not in TRANSITIONS[AidAction.SUBMIT].sources:
        raise ValidationError(_("This request has already been submitted."))
    check_eligible(request.file, request.aid_type)
    check_duplicates(request)
    evidence_check(request)
    # The household may have moved to a unit that cannot draw on the fund chosen in the draft.
    _check_fund(request.file, request.fund, by)
    _check_suggestion(request)
    chain = approval_chain(aid_type=request.aid_type, amount=request.total_amount)
    if not chain:
        raise ValidationError(_("No approval chain is configured for this aid type; ask an administrator."))
    before, request.status = request.status, AidStatus.IN_APPROVAL
    _set_level(request, chain, 1)
    _skip_own_levels(request, by)
    request.save()
    _record(request, AidAction.SUBMIT, by, before=before, comment=comment, level=request.level)
    return request


def _skip_own_levels(request: AidRequest, by) -> None:
    """Start the request above a level where only its requester could decide: nobody approves their own request.

    A branch chair's request, in a branch with no other chair, goes straight to the level above the
    branch (where escalation would move it after days of waiting for nobody); with a second chair in
    the branch it stays, for that chair to decide.
    """
    from .aid_notices import approvers_of  # the notices build on this module
    from .escalation import escalation_target

    people = [p for p in (by, request.created_by) if p is not None]
    while any(request.approver_role in scope_for(p).roles_at(request.approver_unit) for p in people) and not (
        approvers_of(request) - {p.pk for p in people}
    ):
        target = escalation_target(request)
        if target is None:
            raise ValidationError(
                _("You would be the approver of your own request at every level; ask a colleague to submit it.")
            )
        request.level, step, request.approver_unit = target
        request.approver_role = step.role


@transaction.atomic
def aid_request_decide(*, request: AidRequest, action: str, by, comment: str = "") -> AidRequest:
    """Approve, reject or return the request at its current level; the last approval reserves the money."""
    if action not in (AidAction.APPROVE, AidAction.REJECT, AidAction.RETURN):
        raise ValidationError(_("Unknown decision."))
    request = _lock(request)
    rule = TRANSITIONS[action]
    if request.status not in rule.sources:
        raise ValidationError(_("This request is not awaiting approval."))
    on_behalf = decision_authority(user=by, request=request)
    if rule.comment_required and not comment.strip():
        raise ValidationError({"comment": _("Give a reason.")})
    before = request.status
    decided_level = request.level
    if action == AidAction.APPROVE:
        _approve(request, by)
    else:
        request.status, request.approver_role, request.approver_unit = rule.target, "", None
    request.save()
    _record(request, action, by, before=before, comment=comment, level=decided_level, on_behalf=on_behalf)
    return request


def _approve(request: AidRequest, by) -> None:
    chain = approval_chain(aid_type=request.aid_type, amount=request.total_amount)
    if request.level < len(chain):
        _set_level(request, chain, request.level + 1)
        return
    funds_lock(request.fund, request.topup_fund)
    request.reservation = fund_reserve(
        fund=request.fund, amount=request.requested_amount, by=by, idempotency_key=f"aid-{request.pk}-reserve",
        memo=str(request), cause=request,
    )  # fmt: skip
    if request.topup_amount:
        request.topup_reservation = fund_reserve(
            fund=request.topup_fund, amount=request.topup_amount, by=by,
            idempotency_key=f"aid-{request.pk}-topup-reserve", memo=str(request), cause=request,
        )  # fmt: skip
    request.status, request.approver_role, request.approver_unit = AidStatus.APPROVED, "", None


def pay_key(request: AidRequest, key: str) -> str:
    return f"aid-{request.pk}-pay-{key.strip()}"


@transaction.atomic
def aid_request_pay(*, request: AidRequest, by, idempotency_key: str) -> AidRequest:
    """Pay an approved request from its reservation; the same key again (a double click) pays nothing more."""
    request = _lock(request)
    key = pay_key(request, idempotency_key)
    if request.status == AidStatus.PAID and request.payment.idempotency_key == key:
        return request
    if request.status != AidStatus.APPROVED:
        raise LedgerError(_("Only an approved request can be paid."), code="status")
    for fund in filter(None, (request.fund, request.topup_fund if request.topup_amount else None)):
        if not fund_may_manage(user=by, fund=fund):
            raise PermissionDenied(_("Your role does not allow paying from %(fund)s.") % {"fund": fund})
    funds_lock(request.fund, request.topup_fund)
    if LedgerTransaction.objects.filter(idempotency_key=key).exists():
        # The key paid this request before and that payment was reversed: a form from before the reversal.
        raise LedgerError(_("This form was already used; reload the page and pay again."), code="stale")
    request.payment = fund_disburse(
        fund=request.fund, amount=request.requested_amount, by=by, idempotency_key=key, memo=str(request),
        cause=request,
    )  # fmt: skip
    if request.topup_amount:
        request.topup_payment = fund_disburse(
            fund=request.topup_fund, amount=request.topup_amount, by=by, idempotency_key=f"{key}-topup",
            memo=str(request), cause=request,
        )  # fmt: skip
    before, request.status, request.paid_at = request.status, AidStatus.PAID, timezone.now()
    request.save()
    _record(request, AidAction.PAY, by, before=before)
    return request


@transaction.atomic
def aid_payment_reverse(*, request: AidRequest, by, reason: str) -> AidRequest:
    """Undo a payment through the ledger's reversal: the money goes back to the reservation."""
    request = _lock(request)
    if request.status != AidStatus.PAID:
        raise LedgerError(_("Only a paid request's payment can be reversed."), code="status")
    funds_lock(request.fund, request.topup_fund)
    transaction_reverse(txn=request.payment, by=by, reason=reason, for_cause=True)
    if request.topup_payment_id:
        transaction_reverse(txn=request.topup_payment, by=by, reason=reason, for_cause=True)
    before, request.status = request.status, AidStatus.APPROVED
    request.payment, request.topup_payment, request.paid_at = None, None, None
    request.save()
    _record(request, AidAction.REVERSE, by, before=before, comment=reason)
    return request
