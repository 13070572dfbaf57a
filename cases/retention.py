"""Retention: closed files past the retention period lose everything that names the household.

What goes: the worker's name (replaced by ANONYMISED), ID number, phone, address and
employer, the day and month of birth (the year stays, for ages), members' names, ID
numbers and jobs, the free text that may name or describe people (override and relief
reasons, investigation findings and investigators, lifecycle comments, transfer reasons and
hand-over notes, objections and who raised them, review findings, relief notes), in the live
rows and in every history row; the aid app blanks its requests' and decisions' text and deletes
their uploaded documents, the visits app the notes and the photos (their receivers of
`files_anonymised`). What stays, for statistics: unit, tier, causes, status,
incomes and amounts, members' relations, ages, health and schooling, every date, visits'
and aid's figures. An anonymised file has an empty ID number, which is how a second run
knows to leave it alone.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import TruncYear
from django.utils import timezone

from .models import FileEvent, HardshipFile, Investigation, Member
from .notice_models import Objection
from .relief_models import ReliefProposal
from .review_models import AnnualReview
from .signals import files_anonymised
from .transfer.models import FileTransfer
from .workflow import FileStatus

ANONYMISED = "***"
CHUNK = 500


def retention_cutoff(*, years: int, today: dt.date | None = None) -> dt.date:
    """Files closed before this day are past retention."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def files_past_retention(*, years: int | None = None, today: dt.date | None = None) -> QuerySet:
    years = settings.HARDSHIP["RETENTION_YEARS"] if years is None else years
    cutoff = retention_cutoff(years=years, today=today)
    return HardshipFile.objects.filter(status=FileStatus.CLOSED, closed_on__lt=cutoff).exclude(id_number="")


@dataclass
class AnonymiseResult:
    files: int = 0
    members: int = 0


def _file_fields() -> dict:
    return {
        "name": ANONYMISED,
        "id_number": "",
        "phone": "",
        "address": "",
        "employer": "",
        "birth_date": TruncYear("birth_date"),
        "tier_override_reason": "",
        "relief_reason": "",
    }


MEMBER_FIELDS = {"name": ANONYMISED, "id_number": "", "job": ""}
# Free text about the household on its other records: (model, link to the file, fields).
FREE_TEXT = (
    (FileTransfer, "file_id", ("reason", "handover", "decision_note")),
    (Objection, "entry__file_id", ("raised_by", "content", "decision_note")),
    (AnnualReview, "file_id", ("note",)),
    (ReliefProposal, "file_id", ("note", "decision_note")),
)


def blank_text(model, where: dict, fields: tuple[str, ...]) -> None:
    """Replace the non-empty `fields` of `model`'s rows matching `where` with ANONYMISED (empty ones stay empty)."""
    for field in fields:
        model._base_manager.filter(**where).exclude(**{field: ""}).update(**{field: ANONYMISED})


@transaction.atomic
def files_anonymise(*, file_ids: list[int]) -> AnonymiseResult:
    """Remove what names the households of `file_ids`, in their rows and their history rows."""
    file_ids = list(
        HardshipFile.objects.select_for_update()
        .filter(pk__in=file_ids, status=FileStatus.CLOSED)
        .exclude(id_number="")
        .values_list("pk", flat=True)
    )
    files = HardshipFile.objects.filter(pk__in=file_ids).update(**_file_fields())
    HardshipFile.history.model.objects.filter(id__in=file_ids).update(**_file_fields(), history_change_reason=None)
    members = Member.objects.filter(file_id__in=file_ids).update(**MEMBER_FIELDS)
    Member.history.model.objects.filter(file_id__in=file_ids).update(**MEMBER_FIELDS)
    Investigation.objects.filter(file_id__in=file_ids).update(investigator=ANONYMISED, findings=ANONYMISED)
    FileEvent.objects.filter(file_id__in=file_ids).exclude(comment="").update(comment=ANONYMISED)
    for model, link, fields in FREE_TEXT:
        blank_text(model, {f"{link}__in": file_ids}, fields)
    if file_ids:
        files_anonymised.send(sender=HardshipFile, file_ids=file_ids)
    return AnonymiseResult(files=files, members=members)


def files_anonymise_past_retention(*, years: int | None = None, chunk: int = CHUNK) -> AnonymiseResult:
    """Anonymise every file past retention, a chunk per transaction (constant memory, short locks)."""
    total = AnonymiseResult()
    last = 0
    while True:
        ids = list(
            files_past_retention(years=years).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return total
        done = files_anonymise(file_ids=ids)
        total.files += done.files
        total.members += done.members
        last = ids[-1]
