"""Every write of the visits app: recording a visit, raising and handling monitoring flags."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import HardshipFile
from cases.relief import income_observe
from cases.selectors import helper_choices_for_user
from cases.workflow import FileStatus
from hardship.uploads import sniff_content_type
from org.scoping import scope_for

from .models import FlagReason, MonitoringFlag, Outcome, OutcomeReason, Visit, VisitAttachment, VisitKind
from .periods import add_months, month_start
from .selectors import HANDLE_ROLES, RECORD_ROLES, VISITABLE_STATUSES, obligated_files, tier_every_q

VISIT_FIELDS = (
    "visited_on",
    "kind",
    "met",
    *Visit.SIX_KNOWS,
    "outcome",
    "reason",
    "notes",
    "condolence_money",
    "goods",
    "offline_key",
)


def _locked_file_for(by, hfile: HardshipFile) -> HardshipFile:
    locked = HardshipFile.objects.visible_to(by).select_for_update().select_related("unit").filter(pk=hfile.pk).first()
    if locked is None:
        raise PermissionDenied(_("This file is not in your units."))
    if not scope_for(by).roles_at(locked.unit) & RECORD_ROLES:
        raise PermissionDenied(_("Your role does not allow recording visits."))
    return locked


def _check_file_and_date(hfile: HardshipFile, visited_on: dt.date) -> None:
    if hfile.status == FileStatus.CLOSED:
        raise ValidationError(_("This file is closed: no more visits can be recorded on it."), code="closed")
    if hfile.status not in VISITABLE_STATUSES:
        raise ValidationError(
            _("Visits are recorded once the household is filed; this file is %(status)s.")
            % {"status": hfile.get_status_display()},
            code="not_filed",
        )
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot be dated in the future.")}, code="future")
    # Filing dates may be carried over from paper cards, so the earlier of the two counts.
    opened = min(d for d in (hfile.filed_on, timezone.localdate(hfile.created_at)) if d)
    if visited_on < opened:
        raise ValidationError(
            {
                "visited_on": _("The visit is dated before the file was opened (%(date)s).")
                % {"date": f"{opened:%Y-%m-%d}"}
            },
            code="before_file",
        )


def _check_visitors(by, visitors: Sequence) -> None:
    if not visitors:
        raise ValidationError({"visitors": _("Name at least one visitor.")}, code="no_visitors")
    allowed = helper_choices_for_user(user=by).filter(pk__in=[v.pk for v in visitors]).count()
    if allowed != len({v.pk for v in visitors}):
        raise ValidationError({"visitors": _("A visitor is not in your units.")}, code="visitor_scope")


def _check_reason(outcome: str, reason: OutcomeReason | None) -> None:
    if reason is not None and (not reason.is_active or reason.outcome not in ("", outcome)):
        raise ValidationError({"reason": _("This reason does not fit the outcome.")}, code="reason")


def _check_monthly(hfile: HardshipFile, kind: str, visited_on: dt.date) -> None:
    if kind != VisitKind.MONTHLY or not settings.HARDSHIP["VISIT_ONE_MONTHLY_PER_MONTH"]:
        return
    start = month_start(visited_on)
    if hfile.visits.filter(kind=VisitKind.MONTHLY, visited_on__gte=start, visited_on__lt=add_months(start, 1)).exists():
        raise ValidationError(
            {"kind": _("This household already has a monthly visit in %(month)s.") % {"month": f"{start:%Y-%m}"}},
            code="second_monthly",
        )


def check_attachments(attachments: Sequence[UploadedFile]) -> list[str]:
    """The proven content type of each upload; refuses anything but a JPEG, PNG or PDF within the size limit."""
    limit = settings.HARDSHIP["VISIT_ATTACHMENT_MAX_BYTES"]
    if len(attachments) > settings.HARDSHIP["VISIT_ATTACHMENTS_PER_VISIT"]:
        raise ValidationError(
            {
                "attachments": _("At most %(n)d files per visit.")
                % {"n": settings.HARDSHIP["VISIT_ATTACHMENTS_PER_VISIT"]}
            }
        )
    types = []
    for upload in attachments:
        if upload.size > limit:
            raise ValidationError(
                {
                    "attachments": _("%(name)s is larger than %(limit)s.")
                    % {"name": upload.name, "limit": filesizeformat(limit)}
                },
                code="too_large",
            )
        kind = sniff_content_type(upload)
        if kind is None:
            raise ValidationError(
                {"attachments": _("%(name)s is not a photo (JPEG, PNG) or a PDF.") % {"name": upload.name}},
                code="bad_type",
            )
        types.append(kind)
    return types


@transaction.atomic
def visit_record(
    *, file: HardshipFile, by, data: dict[str, Any], visitors: Sequence, attachments: Sequence[UploadedFile] = ()
) -> Visit:
    """Record a visit to a filed (or relieved) household, with its attachments, and raise monitoring flags.

    A household income given with the visit becomes the month's per-capita figure (cases.relief).
    """
    hfile = _locked_file_for(by, file)
    _check_file_and_date(hfile, data["visited_on"])
    _check_visitors(by, visitors)
    _check_reason(data["outcome"], data.get("reason"))
    types = check_attachments(attachments)
    # The file row lock above serialises recorders, so this check cannot race.
    _check_monthly(hfile, data["kind"], data["visited_on"])
    visit = Visit(file=hfile, recorded_by=by, **{name: data[name] for name in VISIT_FIELDS if name in data})
    visit._history_user = by
    visit.full_clean(exclude=["file", "recorded_by"])
    visit.save()
    visit.visitors.set(visitors)
    for upload, kind in zip(attachments, types, strict=True):
        attachment = VisitAttachment(
            visit=visit, content_type=kind, size=upload.size, original_name=upload.name[:200], uploaded_by=by
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
    _monitor_after_visit(visit, by)
    if data.get("household_income") is not None:
        income_observe(hfile=hfile, by=by, month=visit.visited_on, household_income=data["household_income"])
    return visit


def _monitor_after_visit(visit: Visit, by) -> None:
    if visit.outcome == Outcome.DECLINED:
        # The visit (and its reason) is linked: the flag page names the reason in the reader's language.
        flag_raise(file=visit.file, reason=FlagReason.DECLINE, visit=visit)
    elif visit.outcome == Outcome.IMPROVED and visit.file.status == FileStatus.FILED:
        needed = settings.HARDSHIP["RELIEF_CANDIDATE_AFTER_IMPROVEMENTS"]
        latest = list(visit.file.visits.order_by("-visited_on", "-pk").values_list("outcome", flat=True)[:needed])
        if len(latest) == needed and all(outcome == Outcome.IMPROVED for outcome in latest):
            flag_raise(file=visit.file, reason=FlagReason.RELIEF_CANDIDATE, visit=visit)


def flag_raise(*, file: HardshipFile, reason: str, visit: Visit | None = None, detail: str = "") -> MonitoringFlag:
    """Open a flag on the household unless one for the same reason is still open."""
    existing = MonitoringFlag.objects.open().filter(file=file, reason=reason).first()
    if existing is not None:
        return existing
    return MonitoringFlag.objects.create(file=file, reason=reason, visit=visit, detail=detail[:200])


@transaction.atomic
def flag_handle(*, flag: MonitoringFlag, by, note: str) -> MonitoringFlag:
    """Clear a flag by saying how it was handled; the history keeps the flag and the note."""
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say how the flag was handled.")}, code="note_required")
    locked = MonitoringFlag.objects.visible_to(by).select_for_update().filter(pk=flag.pk).first()
    if locked is None:
        raise PermissionDenied(_("This flag is not in your units."))
    if not scope_for(by).roles_at(locked.file.unit) & HANDLE_ROLES:
        raise PermissionDenied(_("Your role does not allow handling flags."))
    if locked.handled_at is not None:
        raise ValidationError(_("This flag was already handled."), code="handled")
    locked.handled_by, locked.handled_at, locked.note = by, timezone.now(), note
    locked._history_user = by
    locked.save(update_fields=["handled_by", "handled_at", "note"])
    return locked


def visits_flag_missed(*, month: dt.date, chunk: int = 2000) -> int:
    """Flag monthly-visited households with no visit in `month` nor the month before; safe to run twice.

    Meant for a monthly task after `month` has ended; returns the number of flags raised.
    """
    previous = add_months(month_start(month), -1)
    end = add_months(month_start(month), 1)
    detail = f"{previous:%Y-%m}, {month:%Y-%m}"
    visited = Visit.objects.filter(file=OuterRef("pk"), visited_on__gte=previous, visited_on__lt=end)
    # An open flag, or one already raised (and maybe handled) for these same two months: a daily re-run
    # must not raise again what a cadre has just handled.
    flagged = MonitoringFlag.objects.filter(file=OuterRef("pk"), reason=FlagReason.MISSED).filter(
        Q(handled_at__isnull=True) | Q(detail=detail)
    )
    candidates = (
        obligated_files(HardshipFile.objects.all(), previous, filed_only=True)
        .filter(tier_every_q(1))
        .exclude(filed_on__gte=previous)
        .exclude(Exists(visited))
        .exclude(Exists(flagged))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    raised = 0
    for batch in _batches(candidates.iterator(chunk_size=chunk), chunk):
        flags = [MonitoringFlag(file_id=pk, reason=FlagReason.MISSED, detail=detail) for pk in batch]
        MonitoringFlag.objects.bulk_create(flags, ignore_conflicts=True)
        raised += len(flags)
    return raised


def _batches(items: Iterable[int], size: int) -> Iterable[list[int]]:
    batch: list[int] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
