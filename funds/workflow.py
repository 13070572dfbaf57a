"""The aid request lifecycle: statuses, the transitions map, and who may take each step.

Approvers are not a fixed role here: each approval level names a role at a unit
of the household's tree (see `ApprovalStep`), resolved by the aid services.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Role


class AidStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("Awaiting approval")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved, money reserved")
    PAID = "paid", _("Paid")


class AidAction(models.TextChoices):
    CREATE = "create", _("Created")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    RETURN = "return", _("Returned for changes")
    PAY = "pay", _("Paid")
    REVERSE = "reverse", _("Payment reversed")
    # Waited too long at a level: the next level up decides instead (funds.services.escalation).
    ESCALATE = "escalate", _("Escalated")


# Who decides: requesters are cadres and chairs of the household's unit; approvers come from
# the approval chain; payers manage the fund (funds.services.fund_may_manage).
REQUESTER, APPROVER, PAYER = "requester", "approver", "payer"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    actor: str
    comment_required: bool = False


S = AidStatus
TRANSITIONS: dict[str, Transition] = {
    AidAction.SUBMIT: Transition(frozenset({S.DRAFT, S.RETURNED}), S.IN_APPROVAL, REQUESTER),
    # The last level's approval moves to APPROVED; a lower one stays IN_APPROVAL, one level up.
    AidAction.APPROVE: Transition(frozenset({S.IN_APPROVAL}), S.APPROVED, APPROVER),
    AidAction.REJECT: Transition(frozenset({S.IN_APPROVAL}), S.REJECTED, APPROVER, comment_required=True),
    AidAction.RETURN: Transition(frozenset({S.IN_APPROVAL}), S.RETURNED, APPROVER, comment_required=True),
    AidAction.PAY: Transition(frozenset({S.APPROVED}), S.PAID, PAYER),
    # The reversed payment goes back to the reservation: the request is approved and payable again.
    AidAction.REVERSE: Transition(frozenset({S.PAID}), S.APPROVED, PAYER, comment_required=True),
}
DECISIONS = (AidAction.APPROVE, AidAction.REJECT, AidAction.RETURN)
EDITABLE_STATUSES = frozenset({S.DRAFT, S.RETURNED})
REQUEST_ROLES = frozenset({Role.CADRE, Role.BRANCH_CHAIR})


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS[action].sources
