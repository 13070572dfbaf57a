"""Visits recorded on a phone offline, synced when it is back online: stored once, never overwriting silently.

Each record carries a key made on the phone (a visit synced twice is stored once: the second sync answers
with the first result), the file's version its copy was based on, and the household facts the cadre
changed at the visit with what the phone showed before. A fact someone else changed meanwhile is not
overwritten: the visit is kept and the fact waits in an `OfflineConflict` for the cadre to keep theirs
or mine. The visit itself goes through `visit_record` and the facts through the cases services, so the
rules are the browser's; a record that breaks one is refused whole (nothing half-saved).
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import HardshipFile
from cases.relief import income_observe
from cases.relief_models import IncomeObservation
from cases.services import file_update_contact
from cases.workflow import can_edit
from org.models import Unit
from org.privacy import Field, can_see, mask
from org.scoping import scope_for

from .models import Fact, OfflineConflict, Resolution, Visit
from .periods import month_start
from .selectors import RECORD_ROLES, visit_board_for_user
from .services import visit_record

# A fact changed offline, and the privacy field that says who may see (and so change) it.
PRIVACY = {Fact.PHONE: Field.PHONE, Fact.ADDRESS: None, Fact.INCOME: Field.INCOME}


class NotInScope(Exception):
    """The record's household is not in the user's units (or does not exist): the same answer for both."""


@dataclass(frozen=True)
class OfflineRecord:
    key: uuid.UUID
    file_id: int
    version: int
    data: dict[str, Any]
    visitors: list
    changes: dict[str, str]
    base: dict[str, Any]


@dataclass(frozen=True)
class Synced:
    visit: Visit
    repeat: bool = False


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _locked_file(by, file_id: int) -> HardshipFile:
    hfile = HardshipFile.objects.visible_to(by).select_for_update().select_related("unit").filter(pk=file_id).first()
    if hfile is None:
        raise NotInScope
    return hfile


def _repeat(by, hfile: HardshipFile, key: uuid.UUID) -> Visit | None:
    """The visit this key already stored, if any; a key used for another household or by someone else is refused."""
    visit = Visit.objects.filter(offline_key=key).first()
    if visit is not None and (visit.file_id != hfile.pk or visit.recorded_by_id != by.pk):
        raise ValidationError(_("This record's key was already used for another visit."), code="key_reused")
    return visit


def _check_may_change(by, hfile: HardshipFile, changes: dict[str, str]) -> None:
    for fact in changes:
        field = PRIVACY[fact]
        if field is not None and not can_see(by, field, hfile.unit):
            message = _("You may not change this household's %(fact)s.") % {"fact": Fact(fact).label}
            raise ValidationError({fact: message})


def _contact_conflicts(hfile: HardshipFile, record: OfflineRecord) -> list[OfflineConflict]:
    """Phone and address: a conflict when the file changed since the phone's copy, this fact included, and
    the visit says something else again."""
    if record.version == hfile.version:
        return []
    conflicts = []
    for fact, mine in record.changes.items():
        theirs, base = getattr(hfile, fact), record.base.get(fact) or ""
        if theirs != base and mine != theirs:
            conflicts.append(OfflineConflict(fact=fact, base=base, theirs=theirs, mine=mine))
    return conflicts


def _income_conflict(hfile: HardshipFile, record: OfflineRecord) -> OfflineConflict | None:
    """The month's income: a conflict when someone recorded another figure for that month after the phone's copy."""
    mine = record.data.get("household_income")
    if mine is None:
        return None
    month = month_start(record.data["visited_on"])
    theirs = IncomeObservation.objects.filter(file=hfile, month=month).values_list("household_income", flat=True)
    theirs = next(iter(theirs), None)
    base = _money(record.base.get("household_income"))
    if theirs is None or theirs in (base, mine):
        return None
    return OfflineConflict(
        fact=Fact.INCOME, month=month, base="" if base is None else str(base), theirs=str(theirs), mine=str(mine)
    )


@transaction.atomic
def visit_sync(*, by, record: OfflineRecord) -> Synced:
    """Store one visit recorded offline, once, with the facts it changed; hold back those someone changed meanwhile."""
    hfile = _locked_file(by, record.file_id)
    # Under the file's row lock: a second sync of the same record waits for the first and finds its visit.
    repeat = _repeat(by, hfile, record.key)
    if repeat is not None:
        return Synced(visit=repeat, repeat=True)
    _check_may_change(by, hfile, record.changes)
    conflicts = _contact_conflicts(hfile, record)
    income = _income_conflict(hfile, record)
    data = {**record.data, "offline_key": record.key}
    if income is not None:
        conflicts.append(income)
        data["household_income"] = None
    visit = visit_record(file=hfile, by=by, data=data, visitors=record.visitors)
    held = {c.fact for c in conflicts}
    changes = {f: v for f, v in record.changes.items() if f not in held and v != getattr(hfile, f)}
    if changes:
        reason = _("Changed at the visit of %(date)s") % {"date": f"{visit.visited_on:%Y-%m-%d}"}
        file_update_contact(hfile=hfile, by=by, changes=changes, reason=reason)
    for conflict in conflicts:
        conflict.visit, conflict.file, conflict.raised_by = visit, hfile, by
        conflict._history_user = by
        conflict.save()
    return Synced(visit=visit)


def visit_sync_or_repeat(*, by, record: OfflineRecord) -> Synced:
    """`visit_sync`, and when a concurrent sync of the same key won the race, the visit it stored."""
    try:
        return visit_sync(by=by, record=record)
    except IntegrityError:
        visit = Visit.objects.filter(offline_key=record.key, recorded_by=by, file_id=record.file_id).first()
        if visit is None:
            raise
        return Synced(visit=visit, repeat=True)


# --- resolving a conflict ------------------------------------------------------------------------


def _current(conflict: OfflineConflict) -> str:
    if conflict.fact == Fact.INCOME:
        row = IncomeObservation.objects.filter(file=conflict.file, month=conflict.month).first()
        return "" if row is None else str(row.household_income)
    return getattr(conflict.file, conflict.fact)


@transaction.atomic
def conflict_resolve(*, conflict: OfflineConflict, by, keep: str) -> bool:
    """Keep what is on file, or the visit's value, for a fact changed offline. False when the file changed again
    meanwhile: the conflict then shows the new value and nothing else is written until the cadre chooses again."""
    locked = OfflineConflict.objects.visible_to(by).select_for_update().filter(pk=conflict.pk, raised_by=by).first()
    if locked is None or not scope_for(by).roles_at(conflict.file.unit) & RECORD_ROLES:
        raise PermissionDenied(_("This conflict is not yours to resolve."))
    if locked.resolved_at is not None:
        raise ValidationError(_("This conflict was already resolved."), code="resolved")
    if keep not in Resolution.values:
        raise ValidationError(_("Choose what to keep."), code="keep")
    hfile = HardshipFile.objects.select_for_update().select_related("unit").get(pk=locked.file_id)
    locked.file = hfile
    if keep == Resolution.MINE:
        current = _current(locked)
        if current != locked.theirs:
            locked.theirs = current
            locked._history_user = by
            locked.save(update_fields=["theirs"])
            return False
        _apply_mine(locked, by)
    locked.resolution, locked.resolved_at = keep, timezone.now()
    locked._history_user = by
    locked.save(update_fields=["resolution", "resolved_at"])
    return True


def _apply_mine(conflict: OfflineConflict, by) -> None:
    if conflict.fact == Fact.INCOME:
        income_observe(hfile=conflict.file, by=by, month=conflict.month, household_income=Decimal(conflict.mine))
    else:
        reason = _("Kept from the visit of %(date)s") % {"date": f"{conflict.visit.visited_on:%Y-%m-%d}"}
        file_update_contact(hfile=conflict.file, by=by, changes={conflict.fact: conflict.mine}, reason=reason)


# --- reads for the phone -------------------------------------------------------------------------


def offline_households_for_user(*, user, today: dt.date) -> list[dict[str, Any]]:
    """The cadre's households from "My visits", as the phone keeps them: what the cadre may see of each, the
    file's version and this month's income figure. Two queries, whatever the number of households."""
    board = visit_board_for_user(user=user, today=today, mine=True)
    sections = [("overdue", board.overdue), ("due", board.due), ("done", board.done)]
    rows = [(section, row) for section, rows in sections for row in rows]
    income = IncomeObservation.objects.filter(file=OuterRef("pk"), month=board.month).values("household_income")[:1]
    files = {
        pk: (version, status, unit_id, figure)
        for pk, version, status, unit_id, figure in HardshipFile.objects.filter(pk__in=[r.pk for _s, r in rows])
        .annotate(figure=Subquery(income))
        .values_list("pk", "version", "status", "unit_id", "figure")
    }
    policy = _UnitPolicy(user)
    households = []
    for section, row in rows:
        if row.pk not in files:
            continue
        version, status, unit_id, figure = files[row.pk]
        phone_visible, income_visible = policy.can_see(Field.PHONE, unit_id), policy.can_see(Field.INCOME, unit_id)
        households.append(
            {
                "id": row.pk,
                "name": row.name,
                "unit": row.unit,
                "address": row.address,
                "phone": row.phone if phone_visible else mask(Field.PHONE, row.phone),
                "phone_visible": phone_visible,
                "income": None if figure is None or not income_visible else str(figure),
                "income_visible": income_visible,
                "income_month": f"{board.month:%Y-%m}",
                "last_visit": row.last_visited_on.isoformat() if row.last_visited_on else None,
                "version": version,
                "editable": policy.can_edit(status, unit_id),
                "section": section,
                "holiday": row.holiday_pending,
            }
        )
    return households


class _UnitPolicy:
    """Privacy and edit rights per unit for many rows of few units, from the cached scope."""

    def __init__(self, user) -> None:
        self.scope = scope_for(user)
        self.user = user
        self.units: dict[int, Unit] = {}

    def unit(self, pk: int) -> Unit:
        if pk not in self.units:
            self.units[pk] = Unit(pk=pk, path=self.scope.path_of(pk) or "")
        return self.units[pk]

    def can_see(self, field: str, unit_id: int) -> bool:
        return can_see(self.user, field, self.unit(unit_id))

    def can_edit(self, status: str, unit_id: int) -> bool:
        return can_edit(status, self.scope.roles_at(self.unit(unit_id)))


def conflicts_for_user(*, user) -> list[OfflineConflict]:
    """The cadre's own conflicts still to resolve, in their units, each with its values as the cadre may see them."""
    conflicts = list(
        OfflineConflict.objects.visible_to(user)
        .open()
        .filter(raised_by=user)
        .select_related("file__unit", "visit")
        .order_by("raised_at", "pk")
    )
    for conflict in conflicts:
        field = PRIVACY[conflict.fact]
        visible = field is None or can_see(user, field, conflict.file.unit)
        conflict.shown_theirs = conflict.theirs if visible else mask(field, conflict.theirs)
        conflict.shown_mine = conflict.mine if visible else mask(field, conflict.mine)
    return conflicts
