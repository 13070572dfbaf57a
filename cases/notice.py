"""Public notice (公示): putting investigated households on a notice list, objections, and what blocks filing.

Every write here is a service in the style of cases/services.py: atomic, row-locked on
the files it touches, checked against the actor's roles, and recorded as a FileEvent.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from org.models import Unit
from org.privacy import mask_id, mask_name  # noqa: F401  (re-exported: the notice list masks with the one policy)
from org.scoping import scope_for

from .models import FileEvent, HardshipFile, Investigation
from .notice_models import (
    DEFAULT_NOTICE_WORKING_DAYS,
    DEFAULT_REVIEW_LEAD_DAYS,
    FederationPolicy,
    NoticeEntry,
    Objection,
    ObjectionOutcome,
    PublicNotice,
)
from .workflow import CADRE_ROLES, CHAIR_ROLES, FileRecord, FileStatus

SATURDAY = 5
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MAX_WORKING_DAYS = 30


def policy_for(federation_id: int) -> FederationPolicy:
    """The federation's policy, or the defaults (notice not required) when it has none."""
    return FederationPolicy.objects.filter(federation_id=federation_id).first() or FederationPolicy(
        federation_id=federation_id,
        notice_working_days=DEFAULT_NOTICE_WORKING_DAYS,
        review_lead_days=DEFAULT_REVIEW_LEAD_DAYS,
    )


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < SATURDAY


def notice_end(starts_on: dt.date, working_days: int) -> dt.date:
    """The last day of a notice of `working_days` working days from `starts_on` (weekends skipped)."""
    day, counted = starts_on, 0
    while True:
        if is_working_day(day):
            counted += 1
            if counted == working_days:
                return day
        day += dt.timedelta(days=1)


# --- what stands between a household and filing ------------------------------------------------


def latest_entry(hfile: HardshipFile) -> NoticeEntry | None:
    """The household's most recent notice entry of its current identification, objections loaded.

    A notice posted before the household's latest investigation belongs to an earlier round (a
    return for correction, a relapse): the new round needs its own notice, so it does not count.
    """
    investigated = Investigation.objects.filter(file=OuterRef("file")).order_by("-recorded_at").values("recorded_at")
    return (
        NoticeEntry.objects.filter(file=hfile)
        .filter(notice__created_at__gte=Coalesce(Subquery(investigated[:1]), Value(EPOCH)))
        .select_related("notice")
        .prefetch_related(Prefetch("objections", queryset=Objection.objects.order_by("raised_on", "pk")))
        .order_by("-notice__starts_on", "-pk")
        .first()
    )


def _day(value: dt.date) -> str:
    return date_format(value, "Y-m-d")


def notice_blocker(entry: NoticeEntry | None, *, required: bool, today: dt.date) -> str | None:
    """Why the household cannot be filed yet because of its notice, or None when nothing stands in the way."""
    if entry is None:
        return (
            _("This federation requires a public notice before filing: put the household on notice first.")
            if (required)
            else None
        )
    if today <= entry.notice.ends_on:
        return _("The household is on public notice until %(end)s: it can be filed from %(next)s.") % {
            "end": _day(entry.notice.ends_on),
            "next": _day(entry.notice.ends_on + dt.timedelta(days=1)),
        }
    objections = list(entry.objections.all())
    pending = next((o for o in objections if o.outcome == ObjectionOutcome.PENDING), None)
    if pending:
        return _("An objection raised on %(day)s is still pending: a branch chair must decide it first.") % {
            "day": _day(pending.raised_on)
        }
    upheld = next((o for o in objections if o.outcome == ObjectionOutcome.UPHELD), None)
    if upheld:
        return _(
            "An objection raised on %(day)s was upheld: the household cannot be filed. "
            "Return the file for correction and put it on notice again."
        ) % {"day": _day(upheld.raised_on)}
    return None


def filing_blocker(hfile: HardshipFile, today: dt.date | None = None) -> str | None:
    """Called by the FILE step: the notice rules of the household's federation."""
    return notice_blocker(
        latest_entry(hfile),
        required=policy_for(hfile.federation_id).notice_required,
        today=today or timezone.localdate(),
    )


# --- notices ------------------------------------------------------------------------------------


def _record(hfile: HardshipFile, kind: str, by, comment: str) -> None:
    FileEvent.objects.create(
        file=hfile, action=kind, from_status=hfile.status, to_status=hfile.status, actor=by, comment=comment
    )


def _check_candidate(hfile: HardshipFile, unit: Unit, today: dt.date) -> None:
    if not hfile.unit.path.startswith(unit.path):
        raise ValidationError(_("%(name)s does not belong to %(unit)s.") % {"name": hfile.name, "unit": unit})
    if hfile.status != FileStatus.INVESTIGATED:
        raise ValidationError(
            _("%(name)s has not been investigated: only investigated households go on notice.") % {"name": hfile.name}
        )
    entry = latest_entry(hfile)
    if entry is not None and entry.notice.ends_on >= today:
        raise ValidationError(_("%(name)s is already on a notice that has not ended.") % {"name": hfile.name})
    if entry is not None and any(o.is_pending for o in entry.objections.all()):
        raise ValidationError(_("%(name)s has an objection still pending.") % {"name": hfile.name})


@transaction.atomic
def notice_create(
    *,
    unit: Unit,
    by,
    files: list[HardshipFile],
    title: str,
    starts_on: dt.date,
    working_days: int | None = None,
    contact: str = "",
    today: dt.date | None = None,
) -> PublicNotice:
    """A branch chair puts investigated households of the branch on a notice list for a number of working days."""
    today = today or timezone.localdate()
    if not scope_for(by).roles_at(unit) & CHAIR_ROLES:
        raise PermissionDenied(_("Only a branch chair may put households on public notice."))
    if not files:
        raise ValidationError({"files": _("Choose at least one household.")})
    if starts_on < today:
        raise ValidationError({"starts_on": _("A notice cannot start in the past.")})
    days = working_days or policy_for(unit.root_id).notice_working_days
    if not 1 <= days <= MAX_WORKING_DAYS:
        raise ValidationError({"working_days": _("Between 1 and %(n)d working days.") % {"n": MAX_WORKING_DAYS}})
    locked = list(
        HardshipFile.objects.select_for_update()
        .select_related("unit")
        .filter(pk__in=[f.pk for f in files])
        .order_by("pk")
    )
    for hfile in locked:
        _check_candidate(hfile, unit, today)
    notice = PublicNotice.objects.create(
        unit=unit,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=notice_end(starts_on, days),
        working_days=days,
        contact=contact.strip(),
        created_by=by,
    )
    NoticeEntry.objects.bulk_create([NoticeEntry(notice=notice, file=hfile) for hfile in locked])
    period = _("On public notice from %(start)s to %(end)s.") % {
        "start": _day(notice.starts_on),
        "end": _day(notice.ends_on),
    }
    for hfile in locked:
        _record(hfile, FileRecord.NOTICE, by, period)
    return notice


# --- objections ---------------------------------------------------------------------------------


@transaction.atomic
def objection_record(
    *, hfile: HardshipFile, by, raised_by: str, raised_on: dt.date, content: str, today: dt.date | None = None
) -> Objection:
    """Record an objection against a household on notice; it stays pending until a chair decides it."""
    today = today or timezone.localdate()
    hfile = HardshipFile.objects.select_for_update().select_related("unit").get(pk=hfile.pk)
    if not scope_for(by).roles_at(hfile.unit) & CADRE_ROLES:
        raise PermissionDenied(_("Your role does not allow this step."))
    entry = latest_entry(hfile)
    if entry is None:
        raise ValidationError(_("This household is not on public notice: there is nothing to object to."))
    if hfile.status != FileStatus.INVESTIGATED:
        raise ValidationError(
            _("A file that is %(status)s cannot be changed this way.") % {"status": hfile.get_status_display()}
        )
    errors: dict[str, Any] = {}
    if not raised_by.strip():
        errors["raised_by"] = _("Say who raised the objection (or “anonymous”).")
    if not content.strip():
        errors["content"] = _("Say what the objection is.")
    if raised_on > today:
        errors["raised_on"] = _("This date is in the future.")
    elif raised_on < entry.notice.starts_on:
        errors["raised_on"] = _("The notice started on %(day)s: an objection cannot be older.") % {
            "day": _day(entry.notice.starts_on)
        }
    if errors:
        raise ValidationError(errors)
    objection = Objection.objects.create(
        entry=entry, raised_by=raised_by.strip(), raised_on=raised_on, content=content.strip(), recorded_by=by
    )
    _record(hfile, FileRecord.OBJECTION, by, f"{objection.raised_by}: {objection.content}")
    return objection


@transaction.atomic
def objection_decide(*, objection: Objection, by, outcome: str, note: str) -> Objection:
    """A branch chair upholds or rejects a pending objection, with a note; the decision is final."""
    objection = Objection.objects.select_for_update().select_related("entry__file__unit").get(pk=objection.pk)
    hfile = objection.entry.file
    if not scope_for(by).roles_at(hfile.unit) & CHAIR_ROLES:
        raise PermissionDenied(_("Only a branch chair may decide an objection."))
    if not objection.is_pending:
        raise ValidationError(_("This objection was decided already."))
    if outcome not in (ObjectionOutcome.UPHELD, ObjectionOutcome.REJECTED):
        raise ValidationError({"outcome": _("Uphold or reject the objection.")})
    if not note.strip():
        raise ValidationError({"note": _("Say why in the decision.")})
    objection.outcome, objection.decision_note = outcome, note.strip()
    objection.decided_by, objection.decided_at = by, timezone.now()
    objection.save(update_fields=["outcome", "decision_note", "decided_by", "decided_at"])
    _record(hfile, FileRecord.OBJECTION_DECIDED, by, f"{objection.get_outcome_display()}: {objection.decision_note}")
    return objection
