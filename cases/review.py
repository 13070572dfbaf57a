"""The annual review: a filed household's figures updated, its tier recomputed, and one of four outcomes."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notices.kinds import register
from notices.services import notifications_create
from org.models import Membership, Role
from org.scoping import scope_for

from .models import Cause, FileEvent, HardshipFile, Tier
from .relief import relief_propose
from .review_models import AnnualReview, ReviewOutcome
from .services import MemberData, add_years, file_override_tier, file_save
from .workflow import CADRE_ROLES, CHAIR_ROLES, CloseReason, FileRecord, FileStatus

REVIEW_EVERY_YEARS = 1


def _check_review(hfile: HardshipFile, by, *, reviewed_on: dt.date, outcome: str, note: str, close_reason: str, today):
    if not scope_for(by).roles_at(hfile.unit) & CADRE_ROLES:
        raise PermissionDenied(_("Your role does not allow this step."))
    if hfile.status != FileStatus.FILED:
        raise ValidationError(_("Only a filed household has an annual review."))
    errors: dict[str, Any] = {}
    if reviewed_on > today:
        errors["reviewed_on"] = _("This date is in the future.")
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = _("Choose how the review ends.")
    if not note.strip():
        errors["note"] = _("Say what the review found.")
    if outcome == ReviewOutcome.PROPOSE_CLOSURE and not close_reason:
        errors["close_reason"] = _("Say why the file should be closed.")
    if errors:
        raise ValidationError(errors)


def _settle_tier(hfile: HardshipFile, by, *, outcome: str, tier: Tier | None, before: int | None, note: str) -> None:
    """Check the outcome against the recomputed tier; a chair may set another tier with the review's findings."""
    if outcome == ReviewOutcome.CHANGE_TIER and tier is not None and tier.pk != hfile.tier_id:
        if not scope_for(by).roles_at(hfile.unit) & CHAIR_ROLES:
            raise ValidationError({"tier": _("Only a branch chair may set a tier other than the suggestion.")})
        file_override_tier(hfile=hfile, by=by, tier=tier, reason=note)
        hfile.refresh_from_db(fields=["tier"])
    if outcome == ReviewOutcome.KEEP and hfile.tier_id != before:
        message = _("With the new figures the tier is %(tier)s: choose “change the tier”.") % {"tier": hfile.tier}
        raise ValidationError({"outcome": message})
    if outcome == ReviewOutcome.CHANGE_TIER and hfile.tier_id == before:
        raise ValidationError({"outcome": _("The tier stays the same: choose “keep”, or pick another tier.")})


def _propose_relief(hfile: HardshipFile, by, *, basis: str, note: str):
    """The relief service decides whether the basis holds, on the figures the review has just saved."""
    try:
        return relief_propose(hfile=hfile, by=by, basis=basis, note=note)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "basis" in exc.error_dict:
            raise ValidationError({"relief_basis": exc.error_dict["basis"]}) from None
        raise


@transaction.atomic
def review_record(
    *,
    hfile: HardshipFile,
    by,
    data: dict[str, Any],
    causes: list[Cause],
    primary_cause: Cause | None,
    members: list[MemberData],
    reviewed_on: dt.date,
    outcome: str,
    note: str,
    tier: Tier | None = None,
    close_reason: str = "",
    relief_basis: str = "",
    today: dt.date | None = None,
) -> AnnualReview:
    """Record a filed household's annual review: update the card, recompute the tier, settle the outcome."""
    hfile = HardshipFile.objects.select_for_update().select_related("unit").get(pk=hfile.pk)
    checks = {"reviewed_on": reviewed_on, "outcome": outcome, "note": note, "close_reason": close_reason}
    _check_review(hfile, by, **checks, today=today or timezone.localdate())
    due_on, before, per_capita_before = hfile.review_due_on or reviewed_on, hfile.tier_id, hfile.per_capita_net
    hfile = file_save(by=by, hfile=hfile, data=data, causes=causes, primary_cause=primary_cause, members=members)
    _settle_tier(hfile, by, outcome=outcome, tier=tier, before=before, note=note)
    proposal = (
        _propose_relief(hfile, by, basis=relief_basis, note=note) if outcome == ReviewOutcome.PROPOSE_RELIEF else None
    )
    review = AnnualReview.objects.create(
        file=hfile,
        due_on=due_on,
        reviewed_on=reviewed_on,
        outcome=outcome,
        note=note.strip(),
        close_reason=close_reason if outcome == ReviewOutcome.PROPOSE_CLOSURE else "",
        tier_before_id=before,
        tier_after_id=hfile.tier_id,
        per_capita_before=per_capita_before,
        per_capita_after=hfile.per_capita_net,
        relief_proposal=proposal,
        reviewed_by=by,
    )
    hfile.review_due_on = add_years(reviewed_on, REVIEW_EVERY_YEARS)
    hfile._history_user = by
    hfile.save(update_fields=["review_due_on", "updated_at"])
    if outcome == ReviewOutcome.PROPOSE_CLOSURE:
        _notify_closure(review, by)
    FileEvent.objects.create(
        file=hfile,
        action=FileRecord.REVIEW,
        from_status=hfile.status,
        to_status=hfile.status,
        actor=by,
        comment=f"{review.get_outcome_display()}: {review.note}",
    )
    return review


def _notify_closure(review: AnnualReview, by) -> None:
    """Tell the branch chairs over the household that its review proposes closing the file (they take the step)."""
    hfile = review.file
    chairs = (
        Membership.objects.filter(role=Role.BRANCH_CHAIR, unit_id__in=hfile.unit.ancestor_ids(), unit__is_active=True)
        .exclude(user=by)
        .values_list("user_id", flat=True)
        .distinct()
    )
    params = {"name": hfile.name, "reason": review.close_reason}
    notifications_create(rows=[(pk, "cases.closure_proposed", params, hfile.get_absolute_url()) for pk in chairs])


@register("cases.closure_proposed")
def _closure_proposed(params: dict) -> tuple[str, str]:
    reason = dict(CloseReason.choices).get(params.get("reason", ""), "")
    title = _("Closing the file of %(name)s is proposed") % {"name": params["name"]}
    return title, _("The annual review proposes closing the file (%(reason)s); a branch chair takes the step.") % {
        "reason": reason
    }
