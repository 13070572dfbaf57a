"""Aid requests follow their household when it moves to another unit or its file is merged into another.

Runs inside the transaction that moves the household (see `cases.signals`): approvals
waiting for a decision go to the approvers of the new unit at the same level; a
request whose fund the new unit cannot draw on goes back to its requester, and money
already reserved in such a fund stops the move until it is paid.
"""

from django.utils.translation import gettext as _

from cases.models import HardshipFile
from org.models import Unit

from ..models import AidRequest
from ..workflow import AidAction, AidStatus
from .aid import _record, resolve_unit


def aid_move_blockers(*, hfile: HardshipFile, to_unit: Unit) -> list[str]:
    """Approved, unpaid requests whose reserved money sits in a fund the new unit cannot use."""
    stuck = (
        AidRequest.objects.filter(file=hfile, status=AidStatus.APPROVED)
        .exclude(fund__unit__in=to_unit.ancestor_ids())
        .values_list("pk", flat=True)
    )
    return [
        _("Aid request no. %(pk)s has money reserved in a fund %(unit)s cannot use: pay it before the move.")
        % {"pk": pk, "unit": to_unit}
        for pk in stuck
    ]


def aid_follow_household(*, hfile: HardshipFile, by) -> int:
    """Re-route the household's requests awaiting approval to its new unit's approvers; returns how many moved."""
    reachable = set(hfile.unit.ancestor_ids())
    waiting = (
        AidRequest.objects.select_for_update(of=("self",))
        .filter(file=hfile, status=AidStatus.IN_APPROVAL)
        .select_related("fund", "approver_unit")
    )
    for request in waiting:
        request.file = hfile
        if request.fund.unit_id not in reachable:
            _send_back(request, by, hfile.unit)
            continue
        # The same role at the same kind of unit, now above the new unit (an escalated level stays escalated).
        request.approver_unit = resolve_unit(unit=hfile.unit, unit_kind=request.approver_unit.kind)
        request.save(update_fields=["approver_unit", "updated_at"])
    return len(waiting)


def aid_follow_merge(*, survivor: HardshipFile, merged: HardshipFile, members: dict[int, int | None], by) -> None:
    """Move the merged file's aid requests to the survivor; a child dropped as a duplicate is the survivor's member."""
    AidRequest.objects.filter(file=merged).update(file=survivor)
    for dropped, kept in members.items():
        AidRequest.objects.filter(file=survivor, child_id=dropped).update(child_id=kept)
    if merged.unit_id != survivor.unit_id:
        aid_follow_household(hfile=survivor, by=by)


def _send_back(request: AidRequest, by, unit: Unit) -> None:
    before = request.status
    request.status, request.approver_role, request.approver_unit = AidStatus.RETURNED, "", None
    request.save(update_fields=["status", "approver_role", "approver_unit", "updated_at"])
    comment = _("The household moved to %(unit)s, which cannot draw on %(fund)s: choose another fund and submit again.")
    _record(request, AidAction.RETURN, by, before=before, comment=comment % {"unit": unit, "fund": request.fund})
