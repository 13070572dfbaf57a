"""Who hears of an aid request's steps: the requester of every decision, the approvers of the level it waits at.

Notifications are rows written in the transaction of the step that causes them
(notices.services), rendered in the reader's language by funds.notices; the
approval queue count in the navigation is dropped once the step commits.
"""

import secrets

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cases.models import PlanHelper
from notices.services import notifications_create
from org.models import Membership
from org.scoping import scope_for

from ..models import AidDecision, AidRequest, Delegation
from ..workflow import AidAction, AidStatus

# Steps after which the request waits for (new) approvers.
WAITING_AFTER = frozenset({AidAction.SUBMIT, AidAction.APPROVE, AidAction.ESCALATE})
QUEUE_VERSION_KEY = "funds:queue-version"


def queue_version() -> int:
    return cache.get_or_set(QUEUE_VERSION_KEY, lambda: secrets.randbits(62), None)


def queue_changed() -> None:
    """Every cached queue count is stale once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(QUEUE_VERSION_KEY, secrets.randbits(62), None))


def approvers_of(request: AidRequest) -> set[int]:
    """Who decides at the request's current level: holders of the role at the approver unit or above, and
    whoever acts for one of them today; never the requester nor a responsible helper of the household."""
    unit = request.approver_unit
    holders = set(
        Membership.objects.filter(
            role=request.approver_role, unit_id__in=unit.ancestor_ids(), unit__is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    today = timezone.localdate()
    acting = Delegation.objects.filter(
        delegator_id__in=holders, starts_on__lte=today, ends_on__gte=today, delegate__is_active=True
    ).select_related("delegate")
    holders |= {d.delegate_id for d in acting if request.file.unit_id in scope_for(d.delegate).unit_ids}
    helpers = PlanHelper.objects.filter(plan__file_id=request.file_id).values_list("user_id", flat=True)
    return holders - {request.created_by_id, *helpers}


def _params(request: AidRequest, **extra) -> dict:
    return {
        "pk": request.pk,
        "household": request.file.name,
        "type_zh": request.aid_type.name_zh,
        "type_en": request.aid_type.name_en,
        "amount": str(request.total_amount),
        **extra,
    }


def aid_notify(*, request: AidRequest, decision: AidDecision, days: int | None = None) -> int:
    """Tell the requester of the step, and the approvers of the level the request now waits at; nobody is
    told of their own step. Returns how many notifications were written."""
    link, rows = request.get_absolute_url(), []
    if decision.action not in (AidAction.CREATE, AidAction.SUBMIT) and request.created_by_id != decision.actor_id:
        action = decision.action
        if action == AidAction.APPROVE and request.status == AidStatus.IN_APPROVAL:
            action = "approve_level"
        params = _params(request, action=str(action), level=decision.level, comment=decision.comment)
        rows.append((request.created_by_id, "aid.decided", params, link))
    if request.status == AidStatus.IN_APPROVAL and decision.action in WAITING_AFTER:
        params = _params(request, days=days) if days else _params(request)
        rows += [(pk, "aid.waiting", params, link) for pk in sorted(approvers_of(request)) if pk != decision.actor_id]
    if decision.action in WAITING_AFTER or decision.to_status != decision.from_status:
        queue_changed()
    return notifications_create(rows=rows) if rows else 0
