"""Relief (脱困): monthly per-capita figures, whether a file meets the relief rule, proposals and a chair's decision.

`relief_propose` is called from the file page and from the annual review's
"propose relief" outcome; `relief_confirm` is a branch chair's step that takes the
file to RELIEVED and starts its transition period.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import ExtractYear
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hardship.money import ABSURD_AMOUNT, quantize
from hardship.months import add_months
from hardship.versioned import bump, remember
from notices.kinds import register
from notices.services import notifications_create
from org.models import Membership, Role, Unit
from org.scoping import scope_for

from . import relief_rules
from .models import AssistancePlan, FileEvent, HardshipFile, LivingStandard
from .relief_models import IncomeObservation, ObservationSource, ProposalStatus, ReliefBasis, ReliefProposal, ReliefRule
from .services import add_years, file_transition
from .workflow import CADRE_ROLES, CHAIR_ROLES, FileAction, FileRecord, FileStatus

# Households whose monthly figures are worth keeping: on file, or relieved and checked on.
OBSERVED_STATUSES = frozenset({FileStatus.FILED, FileStatus.RELIEVED})
PROPOSE_ROLES = CADRE_ROLES
CONFIRM_ROLES = CHAIR_ROLES


# --- the rules and the assessment ---------------------------------------------------------------


def active_relief_rules() -> list[relief_rules.Rule]:
    """The active relief rules in priority order, cached per data version."""

    def compute() -> list[relief_rules.Rule]:
        return [
            relief_rules.Rule(pk=r.pk, kind=r.kind, factor=r.factor, months=r.months)
            for r in ReliefRule.objects.filter(is_active=True)
        ]

    return remember(("config", "reliefrule"), compute)


@receiver([post_save, post_delete], sender=ReliefRule)
def _relief_rules_changed(**kwargs) -> None:
    bump()


def _goals_met_on(hfile: HardshipFile) -> dt.date | None:
    try:
        return hfile.plan.goals_met_on
    except AssistancePlan.DoesNotExist:
        return None


def file_relief_assessment(*, hfile: HardshipFile, today: dt.date | None = None) -> relief_rules.Assessment:
    """Whether the file meets the relief rule today: the recent figures with their year's standard in one query."""
    today = today or timezone.localdate()
    rules = active_relief_rules()
    needed = relief_rules.months_needed(rules)
    first = add_months(today, -(needed - 1))
    figures: dict[dt.date, Decimal] = {}
    standards: dict[int, Decimal | None] = {}
    if needed > 1:
        # Only months with a figure need their standard: a month without one breaks the run anyway.
        rows = hfile.income_observations.filter(month__gte=first).annotate(standard=_standard_of_month(hfile))
        for month, figure, standard in rows.values_list("month", "per_capita", "standard").order_by():
            figures[month] = figure
            if standard is not None:
                standards[month.year] = standard
    return relief_rules.assess(
        rules=rules, figures=figures, standards=standards, goals_met_on=_goals_met_on(hfile), today=today
    )


def _standard_of_month(hfile: HardshipFile) -> Subquery:
    """The standard of the file's (inherited) locality for the observed month's year, as a subquery."""
    nearest = (
        Unit.objects.filter(pk__in=hfile.unit.ancestor_ids(), locality__isnull=False)
        .order_by("-depth")
        .values("locality_id")[:1]
    )
    standard = LivingStandard.objects.filter(locality_id=Subquery(nearest), year=ExtractYear(OuterRef("month")))
    return Subquery(standard.values("monthly_amount")[:1])


def file_relief_explanation(*, hfile: HardshipFile, assessment: relief_rules.Assessment) -> list[str]:
    """The assessment in plain words; the locality is looked up only when a missing standard must be named."""
    name = ""
    if any(r.broken_by == "no_standard" for r in assessment.results):
        locality = hfile.unit.effective_locality()
        english = (get_language() or "").startswith("en")
        name = ((locality.name_en or locality.name_zh) if english else locality.name_zh) if locality else ""
    return [line for line in relief_rules.explain(assessment, locality=name) if line]


@dataclass
class ReliefPanel:
    """What the file page shows about relief: the assessment while filed, the transition once relieved."""

    hfile: HardshipFile
    why: list[str] = field(default_factory=list)
    met: bool = False
    pending: ReliefProposal | None = None
    can_propose: bool = False
    can_decide: bool = False
    in_transition: bool = False
    checkin_every_months: int = 0
    assessment: relief_rules.Assessment | None = None


def file_relief_panel(*, user, hfile: HardshipFile) -> ReliefPanel:
    """The relief panel of a file the caller has already scoped: two queries while filed, none otherwise."""
    panel = ReliefPanel(hfile=hfile, checkin_every_months=settings.HARDSHIP["RELIEF_CHECKIN_EVERY_MONTHS"])
    if hfile.status == FileStatus.RELIEVED:
        panel.in_transition = hfile.in_transition(timezone.localdate())
    if hfile.status != FileStatus.FILED:
        return panel
    panel.assessment = assessment = file_relief_assessment(hfile=hfile)
    panel.why, panel.met = file_relief_explanation(hfile=hfile, assessment=assessment), assessment.met
    panel.pending = ReliefProposal.objects.pending().filter(file=hfile).select_related("proposed_by").first()
    roles = scope_for(user).roles_at(hfile.unit)
    panel.can_propose = panel.pending is None and panel.met and bool(roles & PROPOSE_ROLES)
    panel.can_decide = panel.pending is not None and bool(roles & CONFIRM_ROLES)
    return panel


def proposable_bases(assessment: relief_rules.Assessment) -> list[tuple[str, str]]:
    """The bases a proposal may name now: those whose rule is active and holds."""
    return [(value, label) for value, label in ReliefBasis.choices if assessment.holds(value)]


# --- monthly figures ------------------------------------------------------------------------------


def _require(by, hfile: HardshipFile, roles: frozenset[str], message: str) -> None:
    if not scope_for(by).roles_at(hfile.unit) & roles:
        raise PermissionDenied(message)


def income_observe(
    *, hfile: HardshipFile, by, month: dt.date, household_income: Decimal, source: str = ObservationSource.VISIT
) -> IncomeObservation:
    """Record the household's income for a month; the per-capita figure is derived as the tier's is, for one month."""
    _require(by, hfile, CADRE_ROLES, _("Your role does not allow recording the household's income."))
    if hfile.status not in OBSERVED_STATUSES:
        raise ValidationError(_("Monthly figures are recorded for filed and relieved households only."))
    month = relief_rules.month_start(month)
    if month > timezone.localdate():
        raise ValidationError({"month": _("The month cannot be in the future.")})
    if household_income is None or household_income < 0 or household_income > ABSURD_AMOUNT:
        raise ValidationError({"household_income": _("Enter the household's income that month, in yuan.")})
    rigid = quantize(hfile.rigid_expenditure / 12)
    figure = quantize((household_income - rigid) / max(hfile.household_size, 1))
    return _observe(hfile, by, month, quantize(household_income), rigid, figure, source)


def income_observe_card(*, hfile: HardshipFile, by) -> IncomeObservation | None:
    """After a filed card is saved (or reviewed): its per-capita figure becomes this month's figure."""
    if hfile.status not in OBSERVED_STATUSES:
        return None
    figure = hfile.per_capita_net if hfile.per_capita_net is not None else hfile.per_capita_income
    rigid = quantize(hfile.rigid_expenditure / 12)
    month = relief_rules.month_start(timezone.localdate())
    return _observe(hfile, by, month, hfile.household_income, rigid, figure, ObservationSource.CARD)


def _observe(hfile, by, month, income, rigid, figure, source) -> IncomeObservation:
    row = IncomeObservation.objects.filter(file=hfile, month=month).first()
    row = row or IncomeObservation(file=hfile, month=month)
    row.household_income, row.rigid_monthly, row.members = income, rigid, hfile.household_size
    row.per_capita, row.source, row.recorded_by = figure, source, by
    row._history_user = by
    row.save()
    return row


# --- proposals and decisions -----------------------------------------------------------------------


def _locked(hfile: HardshipFile) -> HardshipFile:
    return HardshipFile.objects.select_for_update().select_related("unit").get(pk=hfile.pk)


@transaction.atomic
def relief_propose(*, hfile: HardshipFile, by, basis: str, note: str = "") -> ReliefProposal:
    """Propose relieving a filed household on a basis the active relief rules accept; a branch chair decides."""
    hfile = _locked(hfile)
    _require(by, hfile, PROPOSE_ROLES, _("Your role does not allow proposing relief."))
    if hfile.status != FileStatus.FILED:
        raise ValidationError(
            _("Only a filed household can be proposed for relief; this file is %(status)s.")
            % {"status": hfile.get_status_display()}
        )
    if basis not in ReliefBasis.values:
        raise ValidationError({"basis": _("Choose the basis of the proposal.")})
    if ReliefProposal.objects.pending().filter(file=hfile).exists():
        raise ValidationError(_("A relief proposal for this household is already waiting for a chair."))
    assessment = file_relief_assessment(hfile=hfile)
    _check_basis(assessment, basis)
    proposal = ReliefProposal.objects.create(
        file=hfile, basis=basis, note=note.strip(), assessment=relief_rules.record(assessment), proposed_by=by
    )
    _record(hfile, FileRecord.RELIEF_PROPOSED, by, f"{proposal.get_basis_display()}: {proposal.note}".rstrip(": "))
    _notify_chairs(proposal, by)
    return proposal


def _check_basis(assessment: relief_rules.Assessment, basis: str) -> None:
    if not assessment.has_rule(basis):
        raise ValidationError({"basis": _("No active relief rule accepts this basis.")})
    if not assessment.holds(basis):
        raise ValidationError(
            {"basis": _("The household does not meet the relief rule on this basis: see the relief panel for why.")}
        )


def _pending(hfile: HardshipFile) -> ReliefProposal:
    proposal = ReliefProposal.objects.select_for_update().pending().filter(file=hfile).first()
    if proposal is None:
        raise ValidationError(_("There is no relief proposal waiting for this household."))
    return proposal


@transaction.atomic
def relief_confirm(*, hfile: HardshipFile, by, note: str = "") -> HardshipFile:
    """A branch chair confirms the pending proposal: the file is relieved and its transition period starts."""
    hfile = _locked(hfile)
    _require(by, hfile, CONFIRM_ROLES, _("Only a branch chair may confirm relief."))
    proposal = _pending(hfile)
    if hfile.status != FileStatus.FILED:
        raise ValidationError(_("Only a filed household can be relieved."))
    _check_basis(file_relief_assessment(hfile=hfile), proposal.basis)
    today = timezone.localdate()
    proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.CONFIRMED, by, timezone.now()
    proposal.decision_note = note.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    reason = proposal.get_basis_display()
    if proposal.note:
        reason = f"{reason}: {proposal.note}"
    return file_transition(
        hfile=hfile,
        action=FileAction.RELIEVE,
        by=by,
        comment=note.strip(),
        relieved_on=today,
        relief_reason=reason,
        transition_ends_on=add_years(today, settings.HARDSHIP["TRANSITION_YEARS"]),
    )


@transaction.atomic
def relief_reject(*, hfile: HardshipFile, by, note: str) -> ReliefProposal:
    """A branch chair turns the pending proposal down, saying why; the household stays on file."""
    hfile = _locked(hfile)
    _require(by, hfile, CONFIRM_ROLES, _("Only a branch chair may decide on relief."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the proposal is rejected.")})
    proposal = _pending(hfile)
    proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.REJECTED, by, timezone.now()
    proposal.decision_note = note.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _record(hfile, FileRecord.RELIEF_REJECTED, by, proposal.decision_note)
    return proposal


def _record(hfile: HardshipFile, kind: str, by, comment: str) -> None:
    """A history row for a relief step that leaves the status as it is."""
    FileEvent.objects.create(
        file=hfile, action=kind, from_status=hfile.status, to_status=hfile.status, actor=by, comment=comment
    )


def relief_after_transition(*, hfile: HardshipFile, by, from_status: str, comment: str) -> None:
    """Keep relief in step with the lifecycle: a newly filed card gives this month's figure; a file that
    left FILED another way (closed, handed over) no longer has a proposal waiting."""
    if hfile.status == FileStatus.FILED:
        income_observe_card(hfile=hfile, by=by)
    else:
        ReliefProposal.objects.pending().filter(file=hfile).update(
            status=ProposalStatus.WITHDRAWN, decided_by=by, decided_at=timezone.now(), decision_note=comment[:2000]
        )


def _notify_chairs(proposal: ReliefProposal, by) -> None:
    """Leave a notification for the branch chairs over the household's unit, in the proposal's transaction."""
    hfile = proposal.file
    chairs = set(
        Membership.objects.filter(role=Role.BRANCH_CHAIR, unit_id__in=hfile.unit.ancestor_ids(), unit__is_active=True)
        .exclude(user=by)
        .values_list("user_id", flat=True)
    )
    params, link = {"file": hfile.pk, "name": hfile.name}, hfile.get_absolute_url()
    notifications_create(rows=[(user_id, "cases.relief_proposed", params, link) for user_id in chairs])


@register("cases.relief_proposed")
def _relief_proposed(params: dict) -> tuple[str, str]:
    title = _("Relief proposed for %(name)s") % {"name": params["name"]}
    return title, _("The household meets the relief rule; a branch chair confirms or rejects the proposal.")


def relapses_per_year_for_user(*, user) -> list[tuple[int, int]]:
    """(year, relapses) in the user's scope, from the RELAPSE events: one grouped query, for statistics."""
    rows = (
        FileEvent.objects.filter(action=FileAction.RELAPSE, file__unit_id__in=scope_for(user).unit_ids)
        .annotate(year=ExtractYear("at"))
        .order_by("year")
        .values("year")
        .annotate(n=Count("pk"))
    )
    return [(row["year"], row["n"]) for row in rows]
