"""Every write of a transfer: request, accept, refuse, withdraw. Each one locks the file row first."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notices.services import notifications_create
from org.models import Role, Unit
from org.scoping import scope_for

from ..models import MAX_HELPERS, AssistancePlan, FileEvent, HardshipFile, PlanHelper
from ..services import _replace_children, file_recompute_tier
from ..signals import file_move_blockers, file_moved
from ..workflow import CHAIR_ROLES, FileRecord, FileStatus
from .models import FileTransfer, TransferStatus


def move_blockers(*, hfile: HardshipFile, to_unit: Unit) -> list[str]:
    """Why the household's records cannot follow it to `to_unit` now (asked of the apps that hold them)."""
    reasons: list[str] = []
    for _receiver, response in file_move_blockers.send(sender=HardshipFile, hfile=hfile, to_unit=to_unit):
        reasons.extend(response or [])
    return reasons


def receiving_chair_ids(unit: Unit) -> list[int]:
    """Active users who chair `unit` or a unit above it: the people who may accept a household there."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Role.BRANCH_CHAIR,
            memberships__unit__in=unit.ancestor_ids(),
            memberships__unit__is_active=True,
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def helpers_for_unit(unit: Unit):
    """Active users holding a role in `unit`, below it or above it: the new unit's possible helpers."""
    from django.db.models import Q

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(memberships__unit__path__startswith=unit.path) | Q(memberships__unit__in=unit.ancestor_ids()))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _check_target(hfile: HardshipFile, to_unit: Unit | None) -> None:
    reachable = (
        to_unit is not None
        and to_unit.root_id == hfile.federation_id
        and not Unit.objects.filter(pk__in=to_unit.ancestor_ids(), is_active=False).exists()
    )
    if not reachable:
        raise ValidationError({"to_unit": _("Choose an active unit of the household's federation.")})
    if to_unit.pk == hfile.unit_id:
        raise ValidationError({"to_unit": _("The household is already in %(unit)s.") % {"unit": to_unit}})


def _lock_file(pk: int) -> HardshipFile:
    return HardshipFile.objects.select_for_update(of=("self",)).select_related("unit").get(pk=pk)


def _record(hfile: HardshipFile, action: str, by, comment: str) -> None:
    FileEvent.objects.create(
        file=hfile, action=action, from_status=hfile.status, to_status=hfile.status, actor=by, comment=comment
    )


def _notify(user_ids, kind: str, transfer: FileTransfer, link: str = "") -> None:
    params = {
        "transfer": transfer.pk,
        "name": transfer.file.name,
        "from_zh": transfer.from_unit.name_zh,
        "from_en": transfer.from_unit.name_en,
        "to_zh": transfer.to_unit.name_zh,
        "to_en": transfer.to_unit.name_en,
    }
    link = link or transfer.get_absolute_url()
    notifications_create(rows=[(pk, kind, params, link) for pk in set(user_ids)])


@transaction.atomic
def transfer_request(*, hfile: HardshipFile, to_unit: Unit | None, reason: str, handover: str, by) -> FileTransfer:
    """The old unit's chair asks to move a household to another unit of the federation; the file stays meanwhile."""
    hfile = _lock_file(hfile.pk)
    if not scope_for(by).roles_at(hfile.unit) & CHAIR_ROLES:
        raise PermissionDenied(_("Only a branch chair of the household's unit may transfer it."))
    if hfile.status == FileStatus.CLOSED:
        raise ValidationError(_("A closed file cannot be transferred."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the household moves, for example the worker's new employer.")})
    _check_target(hfile, to_unit)
    if FileTransfer.objects.pending().filter(file=hfile).exists():
        raise ValidationError(_("This file already has a transfer awaiting a decision."))
    if blockers := move_blockers(hfile=hfile, to_unit=to_unit):
        raise ValidationError(blockers)
    chairs = receiving_chair_ids(to_unit)
    if not chairs:
        raise ValidationError(
            {"to_unit": _("Nobody chairs %(unit)s or a unit above it, so nobody could accept.") % {"unit": to_unit}}
        )
    transfer = FileTransfer(
        file=hfile, from_unit=hfile.unit, to_unit=to_unit, reason=reason, handover=handover.strip(), requested_by=by
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        raise ValidationError(_("This file already has a transfer awaiting a decision.")) from None
    _record(hfile, FileRecord.TRANSFER_REQUEST, by, f"→ {to_unit}: {reason}")
    _notify(chairs, "cases.transfer_requested", transfer)
    return transfer


def _lock_pending(transfer: FileTransfer) -> tuple[FileTransfer, HardshipFile]:
    hfile = _lock_file(transfer.file_id)
    transfer = (
        FileTransfer.objects.select_for_update(of=("self",)).select_related("to_unit", "from_unit").get(pk=transfer.pk)
    )
    transfer.file = hfile
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(
            _("This transfer was already decided: %(status)s.") % {"status": transfer.get_status_display()}
        )
    return transfer, hfile


def _require_receiving_chair(by, transfer: FileTransfer) -> None:
    if not scope_for(by).roles_at(transfer.to_unit) & CHAIR_ROLES:
        raise PermissionDenied(
            _("Only a branch chair of %(unit)s may accept or refuse this transfer.") % {"unit": transfer.to_unit}
        )


def _check_new_helpers(transfer: FileTransfer, helpers: list[dict[str, Any]], has_plan: bool) -> None:
    if len(helpers) > MAX_HELPERS:
        raise ValidationError(_("A household has at most %(n)d responsible helpers.") % {"n": MAX_HELPERS})
    users = [h["user"] for h in helpers]
    if len({u.pk for u in users}) != len(users):
        raise ValidationError(_("The same helper is named twice."))
    allowed = set(helpers_for_unit(transfer.to_unit).values_list("pk", flat=True))
    if any(u.pk not in allowed for u in users):
        raise ValidationError(_("Helpers must hold a role in %(unit)s.") % {"unit": transfer.to_unit})
    if has_plan and not users:
        raise ValidationError(_("Name at least one responsible helper in the new unit."))


@transaction.atomic
def transfer_accept(*, transfer: FileTransfer, by, helpers: list[dict[str, Any]], note: str = "") -> FileTransfer:
    """The new unit's chair takes the household over with new helpers; its records follow in this transaction."""
    transfer, hfile = _lock_pending(transfer)
    _require_receiving_chair(by, transfer)
    _check_target(hfile, transfer.to_unit)
    if blockers := move_blockers(hfile=hfile, to_unit=transfer.to_unit):
        raise ValidationError(blockers)
    plan = AssistancePlan.objects.filter(file=hfile).first()
    _check_new_helpers(transfer, helpers, has_plan=plan is not None)
    old_helpers = list(PlanHelper.objects.filter(plan=plan).values_list("user_id", flat=True)) if plan else []
    from_unit, hfile.unit = hfile.unit, transfer.to_unit
    # The new unit's locality may have another living standard: the suggestion is made again.
    file_recompute_tier(hfile=hfile)
    hfile._history_user, hfile._change_reason = by, transfer.reason
    hfile.save()
    # Files merged into this one keep its history: they move with it.
    HardshipFile.objects.filter(merged_into=hfile).update(unit=transfer.to_unit)
    if plan is not None:
        _replace_children(plan.helpers.all(), [PlanHelper(plan=plan, **h) for h in helpers], by)
    transfer.status, transfer.decided_by, transfer.decided_at = TransferStatus.ACCEPTED, by, timezone.now()
    transfer.decision_note = note.strip()
    transfer.save()
    _record(
        hfile, FileRecord.TRANSFER_ACCEPT, by, f"{from_unit} → {transfer.to_unit}. {transfer.decision_note}".strip()
    )
    file_moved.send(sender=HardshipFile, hfile=hfile, from_unit=from_unit, by=by)
    _notify([transfer.requested_by_id], "cases.transfer_accepted", transfer)
    new_helpers = [h["user"].pk for h in helpers if h["user"].pk not in old_helpers]
    _notify(new_helpers, "cases.transfer_handed_over", transfer, link=hfile.get_absolute_url())
    return transfer


@transaction.atomic
def transfer_refuse(*, transfer: FileTransfer, by, reason: str) -> FileTransfer:
    """The new unit's chair declines with a reason; the household stays where it is."""
    transfer, hfile = _lock_pending(transfer)
    _require_receiving_chair(by, transfer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the transfer is refused.")})
    transfer.status, transfer.decided_by, transfer.decided_at = TransferStatus.REFUSED, by, timezone.now()
    transfer.decision_note = reason
    transfer.save()
    _record(hfile, FileRecord.TRANSFER_REFUSE, by, f"{transfer.to_unit}: {reason}")
    _notify([transfer.requested_by_id], "cases.transfer_refused", transfer)
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: FileTransfer, by, reason: str = "") -> FileTransfer:
    """The old unit's chair withdraws a request still awaiting a decision."""
    transfer, hfile = _lock_pending(transfer)
    if not scope_for(by).roles_at(hfile.unit) & CHAIR_ROLES:
        raise PermissionDenied(_("Only a branch chair of the household's unit may withdraw the transfer."))
    transfer.status, transfer.decided_by, transfer.decided_at = TransferStatus.CANCELLED, by, timezone.now()
    transfer.decision_note = (reason or "").strip()
    transfer.save()
    _record(hfile, FileRecord.TRANSFER_CANCEL, by, transfer.decision_note)
    return transfer
