"""Reads that depend on the user: everything here starts from the user's scope."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language

from hardship.versioned import bump, remember
from org.models import Role
from org.privacy import Field, full_view_unit_ids, mask
from org.scoping import scope_for

from .models import (
    AssistancePlan,
    Cause,
    FileCause,
    HardshipFile,
    MeasureHeading,
    PlanHelper,
    PlanMeasure,
    Tier,
    TierRule,
)
from .tiering import explain
from .workflow import (
    CHAIR_ROLES,
    EDITABLE_STATUSES,
    FileStatus,
    allowed_actions,
    can_edit,
)


def file_list_for_user(*, user) -> QuerySet:
    return HardshipFile.objects.visible_to(user)


def file_get_for_user(*, user, pk: int) -> HardshipFile:
    """The file if the user may see it; 404 whether it is out of scope or does not exist."""
    return get_object_or_404(file_list_for_user(user=user).select_related("unit"), pk=pk)


def file_detail_for_user(*, user, pk: int) -> HardshipFile:
    from .transfer.selectors import with_pending_transfer

    qs = (
        with_pending_transfer(file_list_for_user(user=user))
        .select_related("unit", "tier", "suggested_tier", "plan", "overridden_by")
        .prefetch_related(
            "members",
            Prefetch("file_causes", queryset=FileCause.objects.select_related("cause").order_by("-is_primary", "pk")),
            "investigations",
            Prefetch("plan__measures", queryset=PlanMeasure.objects.select_related("heading")),
            Prefetch("plan__helpers", queryset=PlanHelper.objects.select_related("user")),
        )
    )
    return get_object_or_404(qs, pk=pk)


LIST_COLUMNS = ("pk", "name", "id_number", "unit_id", "tier_id", "status", "per_capita_income", "review_due_on")


def file_rows_for_list(qs: QuerySet) -> QuerySet:
    """The columns one row of the file list needs, as plain values, in one query whatever the page size.

    The list is the busiest page: no model instances, no joins; unit, tier and cause
    names come from the cached scope and configuration lists (see `FileRow`).
    """
    primary = FileCause.objects.filter(file=OuterRef("pk"), is_primary=True).values("cause_id")[:1]
    return qs.annotate(primary_cause_id=Subquery(primary)).values(*LIST_COLUMNS, "primary_cause_id")


@dataclass(frozen=True, slots=True)
class FileRow:
    pk: int
    url: str
    name: str
    id_number: str
    unit: str
    tier: str
    cause: str
    per_capita_income: Decimal | str  # the mask where the reader may not see incomes
    status: str
    status_label: str
    review_due_on: dt.date | None


def file_rows_display(*, user, rows: list[dict]) -> list[FileRow]:
    """Turn value rows into display rows, naming units, tiers and causes without a query."""
    english = (get_language() or "").startswith("en")
    units = {pk: (en or zh) if english else zh for pk, _path, zh, en in scope_for(user).units}
    tiers = {t.pk: str(t) for t in config_items(Tier)}
    causes = {c.pk: str(c) for c in config_items(Cause)}
    statuses = dict(FileStatus.choices)
    url = reverse("cases:file_detail", args=[0]).replace("/0/", "/{}/")
    ids_in_full = full_view_unit_ids(user, Field.ID_NUMBER)
    incomes_in_full = full_view_unit_ids(user, Field.INCOME)

    def id_number(r):
        return r["id_number"] if r["unit_id"] in ids_in_full else mask(Field.ID_NUMBER, r["id_number"])

    def income(r):
        return r["per_capita_income"] if r["unit_id"] in incomes_in_full else mask(Field.INCOME, r["per_capita_income"])

    return [
        FileRow(
            pk=r["pk"],
            url=url.format(r["pk"]),
            name=r["name"],
            id_number=id_number(r),
            unit=units.get(r["unit_id"], ""),
            tier=tiers.get(r["tier_id"], "—"),
            cause=causes.get(r["primary_cause_id"], "—"),
            per_capita_income=income(r),
            status=r["status"],
            status_label=str(statuses[r["status"]]),
            review_due_on=r["review_due_on"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class FilePermissions:
    actions: list[str]
    can_edit: bool
    can_plan: bool
    can_override_tier: bool = False
    can_see_access_log: bool = False


def file_permissions(*, user, hfile: HardshipFile) -> FilePermissions:
    roles = scope_for(user).roles_at(hfile.unit)
    editable = can_edit(hfile.status, roles)
    return FilePermissions(
        actions=allowed_actions(hfile.status, roles),
        can_edit=editable,
        can_plan=editable,
        can_override_tier=hfile.status in EDITABLE_STATUSES and bool(roles & CHAIR_ROLES),
        can_see_access_log=Role.FEDERATION_STAFF in roles,
    )


def file_tier_explanation(hfile: HardshipFile) -> list[str]:
    """The "why" of the file's suggested tier in the reader's language; tier and cause names from the cache."""
    tiers = {t.pk: str(t) for t in config_items(Tier)}
    causes = {c.pk: str(c) for c in config_items(Cause)}
    return explain(
        hfile.tier_basis,
        tier_name=lambda pk: tiers.get(pk, "—"),
        cause_name=lambda pk: causes.get(pk, "—"),
        english=(get_language() or "").startswith("en"),
    )


def helper_choices_for_user(*, user) -> QuerySet:
    """Active users holding a role in the user's scope or above it (the leaders a household is paired with)."""
    scope = scope_for(user)
    above = {int(part) for paths in scope.role_paths.values() for path in paths for part in path.split("/") if part}
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__unit__in=scope.unit_ids | above)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def unit_choices_for_create(*, user) -> list[tuple[int, str]]:
    """Units where the user may open a file."""
    from .workflow import CREATE_ROLES

    return scope_for(user).unit_choices_under(CREATE_ROLES)


# Configuration lists (tiers, causes, headings) are small and read on every list
# page: cached, and dropped from the cache whenever an administrator edits one.
CONFIG_MODELS = (Tier, Cause, MeasureHeading, TierRule)


def config_items(model, *, active_only: bool = False) -> list:
    """Every row of a configuration list, in order; `active_only` for new choices."""
    items = remember(("config", model._meta.model_name), lambda: list(model.objects.all()))
    return [i for i in items if i.is_active] if active_only else items


@receiver([post_save, post_delete])
def _config_changed(sender, **kwargs) -> None:
    if sender in CONFIG_MODELS:
        bump()


def plan_for_file(hfile: HardshipFile) -> AssistancePlan | None:
    try:
        plan = hfile.plan
    except AssistancePlan.DoesNotExist:
        return None
    return plan
