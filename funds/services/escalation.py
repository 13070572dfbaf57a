"""Escalation: a request left waiting too long at a level goes to the next level up.

The next level up is the first step of the type's chain (whatever the amount)
whose approver unit lies above the one the request waits at: by default a
branch chair's request goes to federation staff. A request already at the top
stays where it is. Each request is claimed under its row lock and re-checked,
so a run repeated, or two runs at once, escalate it once; the escalation is an
`AidDecision` without an actor, and the next level's approvers are notified.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from org.models import Unit

from ..models import AidDecision, AidRequest, ApprovalStep
from ..workflow import AidAction, AidStatus
from .aid import _lock, approval_chain, approval_steps, resolve_unit
from .aid_notices import aid_notify


def escalate_after() -> dt.timedelta:
    return dt.timedelta(days=settings.HARDSHIP["AID_ESCALATE_AFTER_DAYS"])


def with_waiting_since(qs: QuerySet) -> QuerySet:
    """Annotate `waiting_since`: when the request reached the level it waits at (its latest step)."""
    latest = AidDecision.objects.filter(request=OuterRef("pk")).order_by("-at", "-pk").values("at")[:1]
    return qs.annotate(waiting_since=Subquery(latest))


def overdue_ids(*, now: dt.datetime) -> list[int]:
    """Requests waiting at one level since before the escalation deadline, oldest first."""
    waiting = with_waiting_since(AidRequest.objects.filter(status=AidStatus.IN_APPROVAL))
    return list(waiting.filter(waiting_since__lt=now - escalate_after()).order_by("pk").values_list("pk", flat=True))


def escalation_target(request: AidRequest) -> tuple[int, ApprovalStep, Unit] | None:
    """(the level in the request's own chain, the step, its approver unit) one level up; None at the top."""
    current = request.approver_unit
    for step in approval_steps(aid_type=request.aid_type):
        unit = resolve_unit(unit=request.file.unit, unit_kind=step.unit_kind)
        if unit.pk != current.pk and current.path.startswith(unit.path):
            chain = approval_chain(aid_type=request.aid_type, amount=request.total_amount)
            # Approving at this level then goes on to the chain's levels above it, if any.
            return 1 + sum(1 for s in chain if s.level < step.level), step, unit
    return None


@transaction.atomic
def aid_request_escalate(*, request: AidRequest, now: dt.datetime | None = None) -> bool:
    """Move a request that waited too long at its level to the next level up; False when there was nothing to do."""
    now = now or timezone.now()
    request = _lock(request)
    if request.status != AidStatus.IN_APPROVAL or request.approver_unit is None:
        return False
    since = with_waiting_since(AidRequest.objects.filter(pk=request.pk)).values_list("waiting_since", flat=True)[0]
    if since is None or since >= now - escalate_after():
        return False
    target = escalation_target(request)
    if target is None:
        return False
    request.level, step, request.approver_unit = target
    request.approver_role = step.role
    request.save()
    decision = AidDecision.objects.create(
        request=request, action=AidAction.ESCALATE, level=request.level, from_status=AidStatus.IN_APPROVAL,
        to_status=AidStatus.IN_APPROVAL, actor=None,
    )  # fmt: skip
    aid_notify(request=request, decision=decision, days=(now - since).days)
    return True


def aid_requests_escalate(*, now: dt.datetime | None = None) -> int:
    """Escalate every request overdue at its level, each in its own transaction; returns how many moved."""
    now = now or timezone.now()
    return sum(aid_request_escalate(request=AidRequest(pk=pk), now=now) for pk in overdue_ids(now=now))
