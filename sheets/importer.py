"""Households from a sheet into hardship files, through the card's own forms and `file_save`.

The dry run and the import are the same run: every household is validated by the forms the
browser uses and saved by the service the browser calls, each in a savepoint, inside one
transaction. The dry run always rolls that transaction back; the import commits it only when
no row failed, so a file is imported whole or not at all, and the rules live in one place.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.forms import HardshipFileForm, MemberFormSet
from cases.models import Cause, HardshipFile, Tier
from cases.selectors import config_items, file_permissions, unit_choices_for_create
from cases.services import MEMBER_FIELDS, file_save, living_standard
from org.scoping import units_visible_to

from .columns import (
    BY_KEY,
    CHOICE_COLUMNS,
    WORKER,
    choice_index,
    match_headers,
    normalised,
    relation_index,
    split_list,
)
from .reader import Sheet

ID_COLUMNS = ("id_number", "household")
NUMBER_COLUMNS = ("age", "monthly_income", "other_income")
TRUE_WORDS = {"1", "y", "yes", "true", "是", "会员", "√", "✓"}
FALSE_WORDS = {"0", "n", "no", "false", "否", "非会员", "×"}
# The card's fields named after the sheet's columns (the rest keep their names).
FILE_FIELD_COLUMN = {"worker_income": "monthly_income"}
PROGRESS_EVERY = 50


@dataclass
class Person:
    row: int
    cells: dict[str, Any]


@dataclass
class Household:
    worker: Person
    members: list[Person] = field(default_factory=list)


@dataclass
class Result:
    errors: list[dict] = field(default_factory=list)
    plan: list[dict] = field(default_factory=list)
    rows: int = 0

    def error(self, row: int | None, column: str, message: str) -> None:
        label = str(BY_KEY[column].label) if column in BY_KEY else ""
        self.errors.append({"row": row, "column": label, "message": str(message)})

    def count(self, action: str) -> int:
        return sum(1 for p in self.plan if p["action"] == action)


def run_import(*, sheet: Sheet, user, commit: bool, progress: Callable[[int], None] | None = None) -> Result:
    """Check every row (and save the households when `commit` and nothing failed)."""
    result = Result(rows=len(sheet.rows))
    positions, unknown, missing = match_headers(sheet.header)
    for header in unknown:
        result.error(1, "", _("Unknown column “%(header)s”: use the template's columns.") % {"header": header})
    if missing:
        result.error(1, "", _("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)})
    if result.errors:
        return result
    for row, cell in sheet.formulas:
        result.error(
            row, "", _("Cell %(cell)s holds a formula; formulas are not run: type the value.") % {"cell": cell}
        )
    households = _group(sheet, positions, result)
    with transaction.atomic():
        _Saver(user=user, result=result).save_all(households, progress)
        if not commit or result.errors:
            transaction.set_rollback(True)
    result.errors.sort(key=lambda e: e["row"] or 0)
    return result


def _text(value, key: str, row: int, result: Result) -> str:
    if value is None:
        return ""
    if key in ID_COLUMNS and isinstance(value, int | float):
        result.error(row, key, _("The ID number was stored as a number and lost its last digits: format it as text."))
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        result.error(row, key, _("A date was found where this column wants text or a number."))
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _group(sheet: Sheet, positions: dict[int, str], result: Result) -> list[Household]:
    relations = relation_index()
    households: dict[str, Household] = {}
    seen_ids: dict[str, int] = {}
    pending: list[tuple[str, Person]] = []
    for number, cells in sheet.rows:
        values = {
            key: _text(cells[pos] if pos < len(cells) else None, key, number, result) for pos, key in positions.items()
        }
        person = Person(row=number, cells=values)
        relation = relations.get(normalised(values.get("relation")))
        if relation is None:
            result.error(number, "relation", _("Unknown relation “%(value)s”.") % {"value": values.get("relation", "")})
            continue
        values["relation"] = relation
        id_number = values.get("id_number", "").upper()
        if id_number:
            if id_number in seen_ids:
                result.error(
                    number,
                    "id_number",
                    _("This ID number is already on row %(row)d of this sheet.") % {"row": seen_ids[id_number]},
                )
                continue
            seen_ids[id_number] = number
        if relation == WORKER:
            households[id_number or f"row-{number}"] = Household(worker=person)
        else:
            pending.append((values.get("household", "").upper(), person))
    for key, person in pending:
        if not key:
            result.error(person.row, "household", _("Give the worker's ID number of this member's household."))
        elif key not in households:
            result.error(
                person.row, "household", _("No worker row in this sheet has the ID number %(id)s.") % {"id": key}
            )
        else:
            households[key].members.append(person)
    return sorted(households.values(), key=lambda h: h.worker.row)


class _Saver:
    def __init__(self, *, user, result: Result) -> None:
        self.user, self.result = user, result
        self.units = self._units()
        self.unit_ids = {u.pk for u in self.units.values() if u}
        self.places: dict[tuple[int, int], tuple] = {}  # (unit, year) -> living standard and locality
        self.tiers = self._config(Tier)
        self.causes = self._config(Cause)
        self.choices = {key: choice_index(choices) for key, choices in CHOICE_COLUMNS.items()}

    def _units(self) -> dict[str, Any]:
        allowed = [pk for pk, _label in unit_choices_for_create(user=self.user)]
        units = list(units_visible_to(self.user).filter(pk__in=allowed))
        index: dict[str, Any] = {}
        for unit in units:
            index[str(unit.pk)] = unit
            for name in (unit.name_zh, unit.name_en):
                # A name two units share finds neither: the number must be used.
                key = normalised(name)
                if key:
                    index[key] = None if key in index and index[key] is not unit else unit
        return index

    def _config(self, model) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for item in config_items(model, active_only=True):
            for name in (item.code, item.name_zh, item.name_en):
                if name:
                    index[normalised(name)] = item
        return index

    def save_all(self, households: list[Household], progress) -> None:
        ids = [h.worker.cells.get("id_number", "").upper() for h in households]
        self.existing = {
            (f.federation_id, f.id_number): f
            for f in HardshipFile.objects.open().filter(id_number__in=[i for i in ids if i]).select_related("unit")
        }
        done = 0
        for household in households:
            self._save(household)
            done += 1 + len(household.members)
            if progress and done % PROGRESS_EVERY < 1 + len(household.members):
                progress(done)
        if progress:
            progress(done)

    def _lookup(self, index: dict, value: str, row: int, column: str, message: str):
        if not value:
            return None
        found = index.get(normalised(value))
        if found is None:
            self.result.error(row, column, message % {"value": value})
        return found

    def _save(self, household: Household) -> None:
        worker = household.worker
        cells = worker.cells
        errors_before = len(self.result.errors)
        unit = self._lookup(
            self.units,
            cells.get("unit", ""),
            worker.row,
            "unit",
            _("“%(value)s” is not a unit where you may open files (a name two units share needs the unit's number)."),
        )
        if unit is None and not cells.get("unit"):
            self.result.error(worker.row, "unit", _("This field is required."))
        tier = self._lookup(self.tiers, cells.get("tier", ""), worker.row, "tier", _("Unknown tier “%(value)s”."))
        causes = [
            self._lookup(self.causes, name, worker.row, "causes", _("Unknown cause “%(value)s”."))
            for name in split_list(cells.get("causes", ""))
        ]
        primary = self._lookup(
            self.causes, cells.get("primary_cause", ""), worker.row, "primary_cause", _("Unknown cause “%(value)s”.")
        )
        choices = self._choices(household)
        member = normalised(cells.get("union_member", ""))
        if member and member not in TRUE_WORDS | FALSE_WORDS:
            self.result.error(worker.row, "union_member", _("Write yes or no."))
        if len(self.result.errors) > errors_before or not unit:
            return
        existing = self.existing.get((unit.root_id, cells.get("id_number", "").upper()))
        if existing and not (
            existing.unit_id in self.unit_ids and file_permissions(user=self.user, hfile=existing).can_edit
        ):
            existing = None  # the service refuses it with the duplicate message the browser shows
        causes = [c for c in causes if c]
        primary = primary or (causes[0] if causes else None)
        form = HardshipFileForm(
            self._file_data(worker.row, cells, unit, tier, causes, primary, choices), instance=existing, user=self.user
        )
        members = MemberFormSet(self._member_data(household, choices), instance=HardshipFile(), prefix="members")
        form_ok, members_ok = form.is_valid(), members.is_valid()
        if not (form_ok and members_ok):
            self._form_errors(form, members, household)
            return
        rows = self._member_rows(members, existing)
        try:  # file_save is atomic: a household it refuses leaves nothing behind (its own savepoint)
            saved = file_save(
                by=self.user,
                hfile=existing,
                unit=unit if existing is None else None,
                data=form.service_data(),
                causes=list(form.cleaned_data["causes"]),
                primary_cause=form.cleaned_data["primary_cause"],
                members=rows,
                place=self._place(existing.unit if existing else unit),
            )
        except ValidationError as exc:
            for name, messages in _error_dict(exc).items():
                column = FILE_FIELD_COLUMN.get(name, name)
                for message in messages:
                    self.result.error(worker.row, column if column in BY_KEY else "", message)
            return
        except PermissionDenied as exc:
            self.result.error(worker.row, "unit", str(exc) or _("Your role does not allow this."))
            return
        self.result.plan.append(
            {
                "row": worker.row,
                "action": "update" if existing else "create",
                "name": saved.name,
                "file": saved.pk if existing else None,
                "members": len(household.members),
            }
        )

    def _place(self, unit) -> tuple:
        """The unit's living standard for this year, looked up once per (unit, year) of the import."""
        key = (unit.pk, timezone.localdate().year)
        if key not in self.places:
            self.places[key] = living_standard(unit, key[1])
        return self.places[key]

    def _choices(self, household: Household) -> dict[int, dict[str, str]]:
        resolved: dict[int, dict[str, str]] = {}
        for person in [household.worker, *household.members]:
            resolved[person.row] = {}
            for key, index in self.choices.items():
                value = person.cells.get(key, "")
                if value:
                    code = self._lookup(index, value, person.row, key, _("“%(value)s” is not one of the choices."))
                    resolved[person.row][key] = code or ""
        return resolved

    def _file_data(self, worker_row: int, cells, unit, tier, causes, primary, choices) -> dict[str, Any]:
        chosen = choices[worker_row]
        data = {
            "unit": str(unit.pk),
            "name": cells.get("name", ""),
            "id_number": cells.get("id_number", ""),
            "phone": cells.get("phone", ""),
            "address": cells.get("address", ""),
            "employer": cells.get("employer", ""),
            "employment_status": chosen.get("employment_status") or "employed",
            "health": chosen.get("health") or "healthy",
            "tier": str(tier.pk) if tier else "",
            "worker_income": _number(cells.get("monthly_income", "")) or "0",
            "other_income": _number(cells.get("other_income", "")) or "0",
            "causes": [str(c.pk) for c in causes],
            "primary_cause": str(primary.pk) if primary else "",
        }
        if normalised(cells.get("union_member", "")) not in FALSE_WORDS:
            data["union_member"] = "on"
        return data

    def _member_data(self, household: Household, choices) -> dict[str, Any]:
        data = {"members-TOTAL_FORMS": str(len(household.members)), "members-INITIAL_FORMS": "0"}
        for i, person in enumerate(household.members):
            cells, chosen = person.cells, choices[person.row]
            data.update(
                {
                    f"members-{i}-relation": cells["relation"],
                    f"members-{i}-name": cells.get("name", ""),
                    f"members-{i}-id_number": cells.get("id_number", ""),
                    f"members-{i}-age": _number(cells.get("age", "")),
                    f"members-{i}-health": chosen.get("health") or "healthy",
                    f"members-{i}-schooling": chosen.get("schooling") or "none",
                    f"members-{i}-job": cells.get("job", ""),
                    f"members-{i}-monthly_income": _number(cells.get("monthly_income", "")) or "0",
                }
            )
        return data

    def _member_rows(self, members, existing: HardshipFile | None) -> list:
        """The sheet's members; on an update, one whose ID number is on the card updates that member."""
        rows = members.service_rows()
        if existing is None:
            return rows
        on_card = {m.id_number: m.pk for m in existing.members.all() if m.id_number}
        return [type(r)(fields=r.fields, pk=on_card.get(r.fields.get("id_number") or "")) for r in rows]

    def _form_errors(self, form, members, household: Household) -> None:
        row = household.worker.row
        for name, messages in form.errors.items():
            column = FILE_FIELD_COLUMN.get(name, name)
            for message in messages:
                self.result.error(row, column if column in BY_KEY else "", message)
        for person, member_form in zip(household.members, members.forms, strict=False):
            for name, messages in member_form.errors.items():
                for message in messages:
                    self.result.error(person.row, name if name in MEMBER_FIELDS and name in BY_KEY else "", message)
        for message in members.non_form_errors():
            self.result.error(row, "", message)


def _number(value: str) -> str:
    if not value:
        return ""
    try:
        return str(Decimal(value.replace(",", "").replace("¥", "").strip()))
    except InvalidOperation:
        return value  # the form says what is wrong with it


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [m for e in errors for m in e.messages] for name, errors in exc.error_dict.items()}
    return {"": exc.messages}
