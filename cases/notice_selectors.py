"""Reads of public notices and objections: every one starts from the user's scope."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from org.models import Role, Unit
from org.scoping import scope_for, units_visible_to

from .models import Cause, FileCause, HardshipFile, Tier
from .notice import mask_id, mask_name
from .notice_models import NoticeEntry, Objection, ObjectionOutcome, PublicNotice
from .selectors import config_items, file_list_for_user
from .workflow import CADRE_ROLES, CHAIR_ROLES, FileStatus


def notices_for_user(*, user) -> QuerySet:
    """Notices posted by units in the user's scope, with how many households and pending objections each has."""
    pending = Q(entries__objections__outcome=ObjectionOutcome.PENDING)
    return (
        PublicNotice.objects.visible_to(user)
        .select_related("unit")
        .annotate(households=Count("entries", distinct=True), pending=Count("entries__objections", filter=pending))
    )


def notice_get_for_user(*, user, pk: int) -> PublicNotice:
    return get_object_or_404(PublicNotice.objects.visible_to(user).select_related("unit"), pk=pk)


def objection_get_for_user(*, user, pk: int) -> Objection:
    return get_object_or_404(
        Objection.objects.visible_to(user).select_related("entry__file__unit", "entry__notice"), pk=pk
    )


def notice_units_for_user(*, user) -> list[Unit]:
    """Units at which the user holds the branch chair role: where they may post a notice."""
    paths = scope_for(user).role_paths.get(Role.BRANCH_CHAIR, ())
    return list(units_visible_to(user).filter(path__in=paths).order_by("path"))


def notice_candidates_for_user(*, user, today: dt.date) -> QuerySet:
    """Investigated households under the user's chair units that are not on a running notice."""
    paths = scope_for(user).role_paths.get(Role.BRANCH_CHAIR, ())
    under = Q(pk__in=[])
    for path in paths:
        under |= Q(unit__path__startswith=path)
    running = NoticeEntry.objects.filter(file=OuterRef("pk"), notice__ends_on__gte=today)
    return (
        file_list_for_user(user=user)
        .filter(under, status=FileStatus.INVESTIGATED)
        .exclude(Exists(running))
        .select_related("unit")
        .order_by("unit__path", "name", "pk")
    )


@dataclass(frozen=True)
class NoticeRow:
    entry_pk: int
    file_pk: int
    masked_name: str
    masked_id: str
    unit: str
    tier: str
    cause: str
    household_size: int
    objections: int
    pending: int
    upheld: int
    visible: bool


def notice_rows(*, user, notice: PublicNotice) -> list[NoticeRow]:
    """The households of a notice, masked, in two queries whatever their number."""
    tiers = {t.pk: str(t) for t in config_items(Tier)}
    causes = {c.pk: str(c) for c in config_items(Cause)}
    unit_ids = scope_for(user).unit_ids
    entries = (
        notice.entries.select_related("file__unit")
        .prefetch_related(
            Prefetch("file__file_causes", queryset=FileCause.objects.filter(is_primary=True), to_attr="primary")
        )
        .annotate(
            n=Count("objections"),
            n_pending=Count("objections", filter=Q(objections__outcome=ObjectionOutcome.PENDING)),
            n_upheld=Count("objections", filter=Q(objections__outcome=ObjectionOutcome.UPHELD)),
        )
        .order_by("file__unit__path", "pk")
    )
    return [
        NoticeRow(
            entry_pk=e.pk,
            file_pk=e.file_id,
            masked_name=mask_name(e.file.name),
            masked_id=mask_id(e.file.id_number),
            unit=str(e.file.unit),
            tier=tiers.get(e.file.tier_id, "—"),
            cause=causes.get(e.file.primary[0].cause_id, "—") if e.file.primary else "—",
            household_size=e.file.household_size,
            objections=e.n,
            pending=e.n_pending,
            upheld=e.n_upheld,
            visible=e.file.unit_id in unit_ids,
        )
        for e in entries
    ]


def can_decide_objection(*, user, objection: Objection) -> bool:
    return objection.is_pending and bool(scope_for(user).roles_at(objection.entry.file.unit) & CHAIR_ROLES)


@dataclass(frozen=True)
class FileNotice:
    entries: list[NoticeEntry]
    can_object: bool
    can_decide: bool
    notice_ids_visible: frozenset[int]


def file_notice_for_user(*, user, hfile: HardshipFile) -> FileNotice:
    """A household's notices and objections for its page (the view scoped the file): two queries."""
    entries = list(
        NoticeEntry.objects.filter(file=hfile)
        .select_related("notice")
        .prefetch_related(
            Prefetch("objections", queryset=Objection.objects.select_related("decided_by").order_by("raised_on", "pk"))
        )
        .order_by("-notice__starts_on", "-pk")
    )
    scope = scope_for(user)
    roles = scope.roles_at(hfile.unit)
    open_for_objections = bool(entries) and hfile.status == FileStatus.INVESTIGATED
    return FileNotice(
        entries=entries,
        can_object=open_for_objections and bool(roles & CADRE_ROLES),
        can_decide=bool(roles & CHAIR_ROLES),
        notice_ids_visible=frozenset(e.notice_id for e in entries if e.notice.unit_id in scope.unit_ids),
    )
