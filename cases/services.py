"""Every write to a hardship file: create, update, lifecycle steps and the plan."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from hardship.money import MoneySum, quantize
from org.models import Unit
from org.scoping import scope_for

from . import tiering
from .idcard import age_on, parse_resident_id
from .models import (
    MAX_HELPERS,
    AssistancePlan,
    Cause,
    FileCause,
    FileEvent,
    HardshipFile,
    Investigation,
    LivingStandard,
    Member,
    PlanHelper,
    PlanMeasure,
    Tier,
    TierRule,
    validate_phone,
)
from .notice import filing_blocker
from .workflow import (
    CHAIR_ROLES,
    CREATE_ROLES,
    EDITABLE_STATUSES,
    PLAN_ROLES,
    TRANSITIONS,
    CloseReason,
    FileAction,
    FileKind,
    FileStatus,
    can_edit,
)


class TransitionNotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MemberData:
    """One row of the members formset: `pk` None to add, `delete` to remove."""

    fields: dict[str, Any]
    pk: int | None = None
    delete: bool = False


FILE_FIELDS = (
    "name",
    "id_number",
    "phone",
    "address",
    "employer",
    "employment_status",
    "union_member",
    "health",
    "worker_income",
    "other_income",
    "tier",
    "review_due_on",
    "annual_income",
    "medical_costs",
    "schooling_costs",
    "disaster_losses",
    "hardship_costs",
)
# The year's figures behind the tier suggestion: never negative (annual income may be None: "use the monthly").
YEAR_FIGURES = ("annual_income", "medical_costs", "schooling_costs", "disaster_losses", "hardship_costs")
TIER_FIELDS = ["tier", "suggested_tier", "per_capita_net", "tier_basis"]
MEMBER_FIELDS = ("relation", "name", "id_number", "age", "health", "schooling", "job", "monthly_income")


def _require_roles(user, unit: Unit, roles: frozenset[str]) -> None:
    if not scope_for(user).roles_at(unit) & roles:
        raise PermissionDenied(_("Your role does not allow this in %(unit)s.") % {"unit": unit})


def _duplicate_error(existing: HardshipFile, user) -> ValidationError:
    if existing.unit_id in scope_for(user).unit_ids:
        return ValidationError(
            _("This ID number already has an open file: %(name)s, %(unit)s (file no. %(pk)d).")
            % {"name": existing.name, "unit": existing.unit, "pk": existing.pk},
            code="duplicate",
        )
    return ValidationError(
        _(
            "This ID number already has an open file in another unit of the federation. "
            "Ask the federation to transfer it."
        ),
        code="duplicate",
    )


def _check_unique_open(*, federation_id: int, id_number: str, exclude_pk: int | None, user) -> None:
    existing = (
        HardshipFile.objects.open()
        .filter(federation_id=federation_id, id_number=id_number)
        .exclude(pk=exclude_pk)
        .select_related("unit")
        .first()
    )
    if existing:
        raise ValidationError({"id_number": _duplicate_error(existing, user)})


def _apply_identity(hfile: HardshipFile) -> None:
    resident = parse_resident_id(hfile.id_number)
    hfile.id_number, hfile.birth_date, hfile.sex = resident.number, resident.birth_date, resident.sex


def _save_members(hfile: HardshipFile, members: list[MemberData], by, *, created: bool = False) -> None:
    existing = {} if created else {m.pk: m for m in hfile.members.all()}
    today = timezone.localdate()
    for row in members:
        member = existing.get(row.pk) if row.pk else Member(file=hfile)
        if member is None:
            raise ValidationError(_("A household member does not belong to this file."))
        if row.delete:
            if member.pk:
                member._history_user = by
                member.delete()
            continue
        for name in MEMBER_FIELDS:
            if name in row.fields:
                setattr(member, name, row.fields[name])
        if member.id_number:
            birth = parse_resident_id(member.id_number).birth_date
            member.id_number, member.age = member.id_number.upper(), age_on(birth, today)
        member._history_user = by
        member.save()


def _save_causes(hfile: HardshipFile, causes: list[Cause], primary: Cause | None, *, created: bool = False) -> None:
    if primary is not None and primary not in causes:
        raise ValidationError({"primary_cause": _("The primary cause must be one of the file's causes.")})
    if created:  # a new file has no causes yet: nothing to read, clear or match
        for cause in causes:
            FileCause.objects.create(file=hfile, cause=cause, is_primary=primary is not None and cause.pk == primary.pk)
        return
    wanted = {c.pk for c in causes}
    current = {fc.cause_id: fc for fc in hfile.file_causes.all()}
    for cause_id, fc in current.items():
        if cause_id not in wanted:
            fc.delete()
    # Clear the old primary first: the database allows only one per file.
    FileCause.objects.filter(file=hfile, is_primary=True).exclude(cause=primary).update(is_primary=False)
    for cause in causes:
        is_primary = primary is not None and cause.pk == primary.pk
        FileCause.objects.update_or_create(file=hfile, cause=cause, defaults={"is_primary": is_primary})


def file_recompute_income(*, hfile: HardshipFile) -> None:
    """Derive household size, monthly income and per-capita income from the worker and members."""
    agg = hfile.members.aggregate(n=Count("pk"), total=MoneySum("monthly_income"))
    size = 1 + (agg["n"] or 0)
    total = hfile.worker_income + hfile.other_income + (agg["total"] or Decimal("0"))
    hfile.household_size = size
    hfile.household_income = quantize(total)
    hfile.per_capita_income = quantize(total / size)


def living_standard(unit: Unit, year: int) -> tuple[tiering.Standard | None, Any]:
    """The standard of the unit's (inherited) locality for `year`, and the locality: two queries at most."""
    locality = unit.effective_locality()
    if locality is None:
        return None, None
    row = LivingStandard.objects.filter(locality=locality, year=year).values_list("monthly_amount", flat=True).first()
    if row is None:
        return None, locality
    return tiering.Standard(amount=row, year=year, locality_zh=locality.name_zh, locality_en=locality.name_en), locality


def tier_rules() -> list[tiering.Rule]:
    """The active rules giving an active tier, in priority order, from the configuration cache."""
    from .selectors import config_items

    tiers = {t.pk for t in config_items(Tier, active_only=True)}
    return [
        tiering.Rule(pk=r.pk, kind=r.kind, tier_id=r.tier_id, factor=r.factor, cause_id=r.cause_id)
        for r in config_items(TierRule, active_only=True)
        if r.tier_id in tiers
    ]


def file_recompute_tier(
    *, hfile: HardshipFile, cause_ids: list[int] | None = None, year: int | None = None, place: tuple | None = None
) -> None:
    """Suggest the tier from the year's figures, the local standard and the rules; the tier follows unless overridden.

    Call after `file_recompute_income` (it needs the household size and monthly income).
    Without a suggestion (no standard, no rule holds) the tier set by hand is kept. `place`, the
    (standard, locality) pair for `year`, spares the lookup when many files of one locality are recomputed.
    """
    year = year or timezone.localdate().year
    if cause_ids is None:
        cause_ids = list(hfile.file_causes.values_list("cause_id", flat=True))
    entered = hfile.annual_income is not None
    household = tiering.Household(
        members=hfile.household_size,
        annual_income=hfile.annual_income if entered else hfile.household_income * tiering.MONTHS,
        income_entered=entered,
        medical_costs=hfile.medical_costs,
        schooling_costs=hfile.schooling_costs,
        disaster_losses=hfile.disaster_losses,
        hardship_costs=hfile.hardship_costs,
        cause_ids=frozenset(cause_ids),
    )
    standard, locality = place if place is not None else living_standard(hfile.unit, year)
    suggestion = tiering.suggest(
        household=household,
        rules=tier_rules(),
        year=year,
        standard=standard,
        locality_zh=locality.name_zh if locality else "",
        locality_en=locality.name_en if locality else "",
        locality_known=locality is not None,
    )
    hfile.suggested_tier_id = suggestion.tier_id
    hfile.per_capita_net = suggestion.per_capita
    hfile.tier_basis = suggestion.basis()
    if suggestion.tier_id is not None and not hfile.tier_overridden:
        hfile.tier_id = suggestion.tier_id


def _check_year_figures(data: dict[str, Any]) -> None:
    errors = {
        name: _("This amount cannot be negative.")
        for name in YEAR_FIGURES
        if data.get(name) is not None and data[name] < 0
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def file_save(
    *,
    by,
    data: dict[str, Any],
    causes: list[Cause],
    primary_cause: Cause | None,
    members: list[MemberData],
    hfile: HardshipFile | None = None,
    unit: Unit | None = None,
    place: tuple | None = None,
) -> HardshipFile:
    """Create a draft file (with `unit`) or update an existing one (with `hfile`); recompute income and tier.

    `place` is `living_standard(unit, this year)` of the file's unit, for a caller saving many files of a few
    units (the import): it spares that lookup, as `file_recompute_tier` allows.
    """
    _check_year_figures(data)
    if hfile is None:
        _require_roles(by, unit, CREATE_ROLES)
        hfile = HardshipFile(unit=unit, federation_id=unit.root_id, created_by=by)
        hfile.kind = data.get("kind") or FileKind.FORMAL
        if hfile.kind not in FileKind.values:
            raise ValidationError({"kind": _("Choose a formal or a temporary file.")})
        created = True
    else:
        hfile = HardshipFile.objects.select_for_update().get(pk=hfile.pk)
        if not can_edit(hfile.status, scope_for(by).roles_at(hfile.unit)):
            raise PermissionDenied(_("You may not change this file in its current state."))
        created = False
    for name in FILE_FIELDS:
        if name in data:
            setattr(hfile, name, data[name])
    _apply_identity(hfile)
    _check_unique_open(federation_id=hfile.federation_id, id_number=hfile.id_number, exclude_pk=hfile.pk, user=by)
    hfile._history_user = by
    try:
        with transaction.atomic():
            hfile.save()
    except IntegrityError:
        # Another request filed the same ID between our check and our insert.
        _check_unique_open(federation_id=hfile.federation_id, id_number=hfile.id_number, exclude_pk=hfile.pk, user=by)
        raise
    _save_members(hfile, members, by, created=created)
    _save_causes(hfile, causes, primary_cause, created=created)
    file_recompute_income(hfile=hfile)
    file_recompute_tier(hfile=hfile, cause_ids=[c.pk for c in causes], place=place)
    hfile._history_user = by
    hfile.save(update_fields=["household_size", "household_income", "per_capita_income", *TIER_FIELDS, "updated_at"])
    if created:
        FileEvent.objects.create(file=hfile, action="create", to_status=hfile.status, actor=by)
    from .relief import income_observe_card

    income_observe_card(hfile=hfile, by=by)
    return hfile


CONTACT_FIELDS = ("phone", "address")


@transaction.atomic
def file_update_contact(*, hfile: HardshipFile, by, changes: dict[str, str], reason: str = "") -> HardshipFile:
    """Change a household's phone or address alone (learnt at a visit), under the row lock, with history."""
    hfile = HardshipFile.objects.select_for_update().select_related("unit").get(pk=hfile.pk)
    if not can_edit(hfile.status, scope_for(by).roles_at(hfile.unit)):
        raise PermissionDenied(_("You may not change this file in its current state."))
    errors = {}
    for name, value in changes.items():
        if name not in CONTACT_FIELDS:
            raise ValueError(name)
        value = value.strip()
        try:
            HardshipFile._meta.get_field(name).run_validators(value)
            if name == "phone":
                validate_phone(value)
        except ValidationError as exc:
            errors[name] = exc.messages
        setattr(hfile, name, value)
    if errors:
        raise ValidationError(errors)
    hfile._history_user = by
    hfile._change_reason = reason
    hfile.save(update_fields=[*changes, "updated_at"])
    return hfile


@transaction.atomic
def file_override_tier(*, hfile: HardshipFile, by, tier: Tier | None, reason: str) -> HardshipFile:
    """A branch chair sets the tier against the suggestion with a written reason; `tier=None` follows it again."""
    hfile = HardshipFile.objects.select_for_update().select_related("unit").get(pk=hfile.pk)
    if not scope_for(by).roles_at(hfile.unit) & CHAIR_ROLES:
        raise PermissionDenied(_("Only a branch chair may override the tier."))
    if hfile.status not in EDITABLE_STATUSES:
        raise PermissionDenied(_("You may not change this file in its current state."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the tier differs from the suggestion.")})
    if tier is None:
        if hfile.suggested_tier_id is None:
            raise ValidationError({"tier": _("There is no suggestion to follow: choose a tier.")})
        hfile.tier_id = hfile.suggested_tier_id
        hfile.tier_override_reason, hfile.overridden_by, hfile.overridden_at = "", None, None
    else:
        if not tier.is_active:
            raise ValidationError({"tier": _("This tier is no longer in use.")})
        hfile.tier = tier
        hfile.tier_override_reason, hfile.overridden_by, hfile.overridden_at = reason, by, timezone.now()
    hfile._history_user = by
    hfile._change_reason = reason
    hfile.save(update_fields=["tier", "tier_override_reason", "overridden_by", "overridden_at", "updated_at"])
    return hfile


def _check_transition(hfile: HardshipFile, action: str, by) -> None:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotAllowed(_("Unknown action."))
    if hfile.status not in transition.sources:
        raise TransitionNotAllowed(
            _("A file that is %(status)s cannot be changed this way.") % {"status": hfile.get_status_display()}
        )
    if not scope_for(by).roles_at(hfile.unit) & transition.roles:
        raise TransitionNotAllowed(_("Your role does not allow this step."))


def _on_file(hfile: HardshipFile, by, details: dict[str, Any]) -> None:
    missing = []
    if hfile.tier_id is None:
        missing.append(_("a tier"))
    if not any(fc.is_primary for fc in hfile.file_causes.all()):
        missing.append(_("a primary cause"))
    if missing:
        raise TransitionNotAllowed(_("Before filing, the card needs %(what)s.") % {"what": ", ".join(missing)})
    blocked = filing_blocker(hfile)
    if blocked:
        raise TransitionNotAllowed(blocked)
    if hfile.kind == FileKind.TEMPORARY:
        raise TransitionNotAllowed(_("A temporary file is not filed: convert it to a formal file first."))
    today = timezone.localdate()
    hfile.filed_on = today
    hfile.review_due_on = details.get("review_due_on") or add_years(today, 1)


def _on_investigate(hfile: HardshipFile, by, details: dict[str, Any]) -> None:
    Investigation.objects.create(
        file=hfile,
        investigator=details["investigator"],
        investigated_on=details["investigated_on"],
        findings=details["findings"],
        recorded_by=by,
    )


def _on_relieve(hfile: HardshipFile, by, details: dict[str, Any]) -> None:
    hfile.relieved_on = details["relieved_on"]
    hfile.relief_reason = details["relief_reason"]
    hfile.transition_ends_on = details["transition_ends_on"]
    hfile.review_due_on = None


def _on_close(hfile: HardshipFile, by, details: dict[str, Any]) -> None:
    hfile.closed_on = timezone.localdate()
    hfile.close_reason = details["close_reason"]
    hfile.review_due_on = None


def _on_reopen(hfile: HardshipFile, by, details: dict[str, Any]) -> None:
    if hfile.status == FileStatus.CLOSED:
        try:
            _check_unique_open(
                federation_id=hfile.federation_id, id_number=hfile.id_number, exclude_pk=hfile.pk, user=by
            )
        except ValidationError as exc:
            raise TransitionNotAllowed(exc.messages[0]) from None
    hfile.closed_on, hfile.close_reason = None, ""
    hfile.handed_over_on, hfile.handover_reason = None, ""


def _on_hand_over(hfile: HardshipFile, by, details: dict[str, Any]) -> None:
    hfile.handed_over_on = timezone.localdate()
    hfile.handover_reason = details["handover_reason"]
    hfile.review_due_on = None


# A file closed for these reasons is not the household falling back: it cannot relapse.
NO_RELAPSE_CLOSE_REASONS = frozenset({CloseReason.DECEASED, CloseReason.DUPLICATE})


def _on_relapse(hfile: HardshipFile, by, details: dict[str, Any]) -> None:
    """The same file, with its whole history, goes back to identification; the relief dates stay in the history."""
    if hfile.status == FileStatus.CLOSED and hfile.close_reason in NO_RELAPSE_CLOSE_REASONS:
        raise TransitionNotAllowed(
            _("A file closed as “%(reason)s” cannot relapse.") % {"reason": hfile.get_close_reason_display()}
        )
    _on_reopen(hfile, by, details)
    hfile.relieved_on, hfile.relief_reason, hfile.transition_ends_on = None, "", None


STEP_EFFECTS = {
    FileAction.FILE: _on_file,
    FileAction.INVESTIGATE: _on_investigate,
    FileAction.RELIEVE: _on_relieve,
    FileAction.CLOSE: _on_close,
    FileAction.REOPEN: _on_reopen,
    FileAction.HAND_OVER: _on_hand_over,
    FileAction.RELAPSE: _on_relapse,
}


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def file_transition(*, hfile: HardshipFile, action: str, by, comment: str = "", **details: Any) -> HardshipFile:
    """Take one lifecycle step on a file, under a row lock, and record it."""
    hfile = HardshipFile.objects.select_for_update().select_related("unit").get(pk=hfile.pk)
    _check_transition(hfile, action, by)
    transition = TRANSITIONS[action]
    if transition.comment_required and not comment.strip():
        raise TransitionNotAllowed(_("Please say why in the comment."))
    effect = STEP_EFFECTS.get(action)
    if effect:
        effect(hfile, by, details)
    from_status, hfile.status = hfile.status, transition.target
    hfile._history_user = by
    hfile._change_reason = comment
    hfile.save()
    FileEvent.objects.create(
        file=hfile, action=action, from_status=from_status, to_status=hfile.status, actor=by, comment=comment
    )
    if FileStatus.FILED in (from_status, hfile.status):
        from .relief import relief_after_transition

        relief_after_transition(hfile=hfile, by=by, from_status=from_status, comment=comment)
    return hfile


@transaction.atomic
def plan_save(
    *,
    hfile: HardshipFile,
    by,
    goal: str,
    guarantees: list[str],
    target_date: dt.date | None,
    measures: list[dict[str, Any]],
    helpers: list[dict[str, Any]],
    goals_met_on: dt.date | None = None,
) -> AssistancePlan:
    """Create or replace a file's assistance plan, its measures and its helpers."""
    hfile = HardshipFile.objects.select_for_update().select_related("unit").get(pk=hfile.pk)
    _require_roles(by, hfile.unit, PLAN_ROLES)
    if hfile.status in (FileStatus.RELIEVED, FileStatus.CLOSED, FileStatus.HANDED_OVER):
        raise PermissionDenied(_("A relieved or closed file's plan cannot be changed."))
    if len(helpers) > MAX_HELPERS:
        raise ValidationError(_("A household has at most %(n)d responsible helpers.") % {"n": MAX_HELPERS})
    _check_helpers_in_scope(by, [h["user"] for h in helpers])
    if goals_met_on and goals_met_on > timezone.localdate():
        raise ValidationError({"goals_met_on": _("The goals cannot be met on a future date.")})
    plan = AssistancePlan.objects.filter(file=hfile).first() or AssistancePlan(file=hfile)
    plan.goal, plan.guarantees, plan.target_date, plan.goals_met_on = goal, guarantees, target_date, goals_met_on
    plan._history_user = by
    plan.save()
    _replace_children(plan.measures.all(), [PlanMeasure(plan=plan, **m) for m in measures], by)
    _replace_children(plan.helpers.all(), [PlanHelper(plan=plan, **h) for h in helpers], by)
    return plan


def _check_helpers_in_scope(by, users: list) -> None:
    from .selectors import helper_choices_for_user

    allowed = set(helper_choices_for_user(user=by).values_list("pk", flat=True))
    if any(u.pk not in allowed for u in users):
        raise ValidationError(_("Helpers must be users of your units."))
    if len({u.pk for u in users}) != len(users):
        raise ValidationError(_("The same helper is named twice."))


def _replace_children(current, new_rows: list, by) -> None:
    for row in current:
        row._history_user = by
        row.delete()
    for row in new_rows:
        row._history_user = by
        row.save()
