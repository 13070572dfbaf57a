"""Merging two files of one household into one, in one transaction: nothing of either is lost."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.scoping import scope_for

from ..idcard import age_on
from ..models import AssistancePlan, FileCause, FileEvent, HardshipFile, Investigation, Member, Relation
from ..services import TIER_FIELDS, file_recompute_income, file_recompute_tier
from ..signals import files_merged
from ..transfer.models import FileTransfer
from ..transfer.services import move_blockers
from ..workflow import CHAIR_ROLES, CloseReason, FileRecord, FileStatus

# How the merged-away file's worker joins the surviving household.
SAME_PERSON = "same"
WORKER_AS_CHOICES = (SAME_PERSON, *Relation.values)


def _lock_both(survivor_pk: int, merged_pk: int, by) -> tuple[HardshipFile, HardshipFile]:
    """Both files under a row lock (in pk order, so two merges cannot deadlock), or the same 404-like refusal."""
    rows = (
        HardshipFile.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk__in=[survivor_pk, merged_pk], unit__in=scope_for(by).unit_ids)
        .order_by("pk")
    )
    found = {f.pk: f for f in rows}
    for pk in (survivor_pk, merged_pk):
        if pk not in found:
            raise ValidationError({"other": _("There is no file no. %(pk)s in your units.") % {"pk": pk}})
    return found[survivor_pk], found[merged_pk]


def _check_merge(survivor: HardshipFile, merged: HardshipFile, by, worker_as: str, comment: str) -> None:
    scope = scope_for(by)
    if not (scope.roles_at(survivor.unit) & CHAIR_ROLES and scope.roles_at(merged.unit) & CHAIR_ROLES):
        raise PermissionDenied(_("Only a branch chair of both files' units may merge them."))
    if survivor.federation_id != merged.federation_id:
        raise ValidationError({"other": _("Files of different federations cannot be merged.")})
    for hfile in (survivor, merged):
        if hfile.status == FileStatus.CLOSED:
            raise ValidationError(
                {"other": _("File no. %(pk)s is closed: only open files are merged.") % {"pk": hfile.pk}}
            )
    if FileTransfer.objects.pending().filter(file__in=[survivor, merged]).exists():
        raise ValidationError({"other": _("A transfer of one of the files awaits a decision: decide it first.")})
    if worker_as not in WORKER_AS_CHOICES:
        raise ValidationError({"worker_as": _("Say who the other file's worker is in this household.")})
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the files are the same household.")})
    if merged.unit_id != survivor.unit_id and (blockers := move_blockers(hfile=merged, to_unit=survivor.unit)):
        raise ValidationError(blockers)


def _merge_members(survivor: HardshipFile, merged: HardshipFile, worker_as: str, by) -> dict[int, int | None]:
    """Move the merged household's members, dropping those already here by ID; returns {dropped pk: kept pk}."""
    kept = {m.id_number: m.pk for m in survivor.members.all() if m.id_number}
    kept[survivor.id_number] = None
    dropped: dict[int, int | None] = {}
    for member in merged.members.all():
        if member.id_number and member.id_number in kept:
            dropped[member.pk] = kept[member.id_number]
            continue
        member.file, member._history_user = survivor, by
        member.save()
        if member.id_number:
            kept[member.id_number] = member.pk
    if worker_as != SAME_PERSON and merged.id_number not in kept:
        worker = Member(
            file=survivor,
            relation=worker_as,
            name=merged.name,
            id_number=merged.id_number,
            age=age_on(merged.birth_date, timezone.localdate()),
            health=merged.health,
            job=merged.employer,
            monthly_income=merged.worker_income,
        )
        worker._history_user = by
        worker.save()
    return dropped


def _merge_causes(survivor: HardshipFile, merged: HardshipFile) -> None:
    have = set(survivor.file_causes.values_list("cause_id", flat=True))
    for cause_id in merged.file_causes.exclude(cause_id__in=have).values_list("cause_id", flat=True):
        FileCause.objects.create(file=survivor, cause_id=cause_id, is_primary=False)


def _move_records(survivor: HardshipFile, merged: HardshipFile) -> None:
    Investigation.objects.filter(file=merged).update(file=survivor)
    if not AssistancePlan.objects.filter(file=survivor).exists():
        AssistancePlan.objects.filter(file=merged).update(file=survivor)
    # Files merged into the merged one earlier now point at the survivor, and live in its unit.
    HardshipFile.objects.filter(merged_into=merged).update(merged_into=survivor, unit=survivor.unit)


def _close_as_duplicate(survivor: HardshipFile, merged: HardshipFile, by, comment: str) -> None:
    before = merged.status
    merged.status, merged.closed_on, merged.close_reason = (
        FileStatus.CLOSED,
        timezone.localdate(),
        CloseReason.DUPLICATE,
    )
    merged.merged_into, merged.review_due_on = survivor, None
    merged._history_user, merged._change_reason = by, comment
    merged.save()
    FileEvent.objects.create(
        file=merged,
        action=FileRecord.MERGED_AWAY,
        from_status=before,
        to_status=merged.status,
        actor=by,
        comment=f"→ {survivor.pk} {survivor.name}: {comment}",
    )


@transaction.atomic
def file_merge(*, survivor: HardshipFile, merged: HardshipFile, by, worker_as: str, comment: str) -> HardshipFile:
    """Merge the duplicate `merged` into `survivor`: members (deduplicated by ID), causes, investigations,
    visits and aid move over; `merged` is closed as a duplicate pointing to the survivor, its history kept."""
    if survivor.pk == merged.pk:
        raise ValidationError({"other": _("A file cannot be merged with itself.")})
    survivor, merged = _lock_both(survivor.pk, merged.pk, by)
    comment = comment.strip()
    _check_merge(survivor, merged, by, worker_as, comment)
    dropped = _merge_members(survivor, merged, worker_as, by)
    _merge_causes(survivor, merged)
    _move_records(survivor, merged)
    files_merged.send(sender=HardshipFile, survivor=survivor, merged=merged, members=dropped, by=by)
    for member in Member.objects.filter(pk__in=dropped):
        member._history_user = by
        member.delete()
    _close_as_duplicate(survivor, merged, by, comment)
    file_recompute_income(hfile=survivor)
    file_recompute_tier(hfile=survivor)
    survivor._history_user, survivor._change_reason = by, comment
    survivor.save(update_fields=["household_size", "household_income", "per_capita_income", *TIER_FIELDS, "updated_at"])
    FileEvent.objects.create(
        file=survivor,
        action=FileRecord.MERGE_IN,
        from_status=survivor.status,
        to_status=survivor.status,
        actor=by,
        comment=f"← {merged.pk} {merged.name}: {comment}",
    )
    return survivor
