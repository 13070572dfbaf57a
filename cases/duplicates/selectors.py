"""Possible duplicates of a file: one person in two households, or one worker filed twice.

Besides the hard rule (one open file per resident ID in a federation), a file is
compared with the other open files of its federation in one indexed query:
resident IDs of its worker and members against the workers' (unique partial index)
and members' IDs (`member_id_number`), and its worker's birth date against the
workers' (`file_federation_birth_date`). The few rows found are then compared by
name and address in Python; nothing scans the table.
"""

import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import CharField, F, QuerySet, Value
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from org.scoping import scope_for

from ..models import HardshipFile, Member
from ..workflow import CHAIR_ROLES, FileStatus

ADDRESS_SIMILARITY = 0.8
# Columns of the one query, named apart from every model field so the three parts line up.
COLUMNS = ("d_kind", "d_id", "d_person", "d_file", "d_name", "d_unit", "d_address")
MEMBER, WORKER, BIRTH = "member", "worker", "birth"


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, letters and digits only: "人民路 1 号" == "人民路1号"."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch.isalnum())


def names_alike(a: str, b: str) -> bool:
    """The same name, or one character mistyped in a name of two or more."""
    a, b = normalise(a), normalise(b)
    if a == b:
        return bool(a)
    return len(a) == len(b) >= 2 and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def addresses_alike(a: str, b: str) -> bool:
    """The same address written differently: equal, one within the other, or 80% the same characters."""
    a, b = normalise(a), normalise(b)
    if not a or not b:
        return False
    if a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a)):
        return True
    return SequenceMatcher(None, a, b).ratio() >= ADDRESS_SIMILARITY


@dataclass
class DuplicateWarning:
    """Another open file that may hold the same person; `file_pk` is None when it is out of the reader's scope."""

    file_pk: int | None
    name: str
    unit_id: int | None
    reasons: list[str] = field(default_factory=list)
    can_merge: bool = False


def _rows(hfile: HardshipFile, ids: set[str]) -> QuerySet:
    """Other open files of the federation sharing an ID with this household or the worker's birth date: one query."""

    def shaped(qs: QuerySet, kind: str, **columns) -> QuerySet:
        return qs.annotate(d_kind=Value(kind, output_field=CharField()), **columns).values(*COLUMNS).order_by()

    others = HardshipFile.objects.filter(federation_id=hfile.federation_id).exclude(status=FileStatus.CLOSED)
    members = Member.objects.filter(id_number__in=ids, file__federation_id=hfile.federation_id).exclude(
        file__status=FileStatus.CLOSED
    )
    worker_columns = {
        "d_id": F("id_number"),
        "d_person": F("name"),
        "d_file": F("pk"),
        "d_name": F("name"),
        "d_unit": F("unit_id"),
        "d_address": F("address"),
    }
    by_member = shaped(
        members.exclude(file_id=hfile.pk),
        MEMBER,
        d_id=F("id_number"),
        d_person=F("name"),
        d_file=F("file_id"),
        d_name=F("file__name"),
        d_unit=F("file__unit_id"),
        d_address=F("file__address"),
    )
    by_worker = shaped(others.filter(id_number__in=ids).exclude(pk=hfile.pk), WORKER, **worker_columns)
    by_birth = shaped(others.filter(birth_date=hfile.birth_date).exclude(pk=hfile.pk), BIRTH, **worker_columns)
    return by_member.union(by_worker, by_birth, all=True)


def duplicate_warnings(*, user, hfile: HardshipFile) -> list[DuplicateWarning]:
    """Other open files that may be the same household or worker, each with why; names only for files in scope."""
    people = {m.id_number: m.name for m in hfile.members.all() if m.id_number}
    people[hfile.id_number] = hfile.name
    found: dict[int, DuplicateWarning] = {}
    scope = scope_for(user)
    for row in _rows(hfile, set(people)):
        reason = _reason(hfile, people, row)
        if reason is None:
            continue
        warning = found.get(row["d_file"])
        if warning is None:
            warning = found[row["d_file"]] = _warning(row, scope)
        warning.reasons.append(reason)
    return [w for _pk, w in sorted(found.items())]


def _warning(row: dict, scope) -> DuplicateWarning:
    if row["d_unit"] not in scope.unit_ids:
        return DuplicateWarning(file_pk=None, name="", unit_id=None)
    return DuplicateWarning(file_pk=row["d_file"], name=row["d_name"], unit_id=row["d_unit"])


def _reason(hfile: HardshipFile, people: dict[str, str], row: dict) -> str | None:
    """Why the row may be the same person, in the reader's language; None when it is not alike enough."""
    ours = people.get(row["d_id"], "")
    if row["d_kind"] == MEMBER:
        return _("%(ours)s (ID %(id)s) is also listed as a household member (%(theirs)s) in another open file.") % {
            "ours": ours,
            "id": row["d_id"],
            "theirs": row["d_person"],
        }
    if row["d_kind"] == WORKER:
        return _("%(ours)s (ID %(id)s) is the worker of another open file (%(theirs)s).") % {
            "ours": ours,
            "id": row["d_id"],
            "theirs": row["d_person"],
        }
    return _similar_worker(hfile, row)


def _similar_worker(hfile: HardshipFile, row: dict) -> str | None:
    if not names_alike(hfile.name, row["d_person"]):
        return None
    same_name = normalise(hfile.name) == normalise(row["d_person"])
    parts = [
        _("the same name (%(name)s)") % {"name": row["d_person"]}
        if same_name
        else _("a name one character apart (%(ours)s / %(theirs)s)") % {"ours": hfile.name, "theirs": row["d_person"]},
        _("the same birth date (%(date)s)") % {"date": hfile.birth_date.isoformat()},
    ]
    if addresses_alike(hfile.address, row["d_address"]):
        parts.append(_("a similar address (%(address)s)") % {"address": row["d_address"]})
    elif hfile.address and row["d_address"]:
        return None
    else:
        parts.append(_("no address to compare"))
    return _("The worker looks like another open file's worker: %(parts)s; the ID numbers differ.") % {
        "parts": (", " if (get_language() or "").startswith("en") else "、").join(parts)
    }


def mark_mergeable(*, user, hfile: HardshipFile, warnings: list[DuplicateWarning]) -> None:
    """A chair over both files may merge the other one into this one."""
    scope = scope_for(user)
    if hfile.status == FileStatus.CLOSED or not scope.roles_at(hfile.unit) & CHAIR_ROLES:
        return
    chaired = {pk for pk, path, _zh, _en in scope.units if _chairs(scope, path)}
    for warning in warnings:
        warning.can_merge = warning.file_pk is not None and warning.unit_id in chaired


def _chairs(scope, path: str) -> bool:
    return any(path.startswith(p) for role in CHAIR_ROLES for p in scope.role_paths.get(role, ()))
