"""Notices written straight to the tables, for reads (the URL matrix, page tests). Writes under test use services."""

import datetime as dt

from django.utils import timezone

from cases.models import HardshipFile
from cases.notice_models import NoticeEntry, Objection, PublicNotice
from cases.workflow import FileStatus
from org.models import Unit


def on_notice(hfile: HardshipFile, *, unit: Unit | None = None, days_ago: int = 0) -> NoticeEntry:
    """The file as an investigated household on a five-day notice of its branch (its unit's parent)."""
    HardshipFile.objects.filter(pk=hfile.pk).update(status=FileStatus.INVESTIGATED)
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    notice = PublicNotice.objects.create(
        unit=unit or hfile.unit.parent,
        title="建档公示",
        starts_on=start,
        ends_on=start + dt.timedelta(days=6),
        working_days=5,
        created_by=hfile.created_by,
    )
    return NoticeEntry.objects.create(notice=notice, file=hfile)


def notice_args(hfile: HardshipFile) -> list[int]:
    return [on_notice(hfile).notice_id]


def noticed_file_args(hfile: HardshipFile) -> list[int]:
    on_notice(hfile)
    return [hfile.pk]


def objection_args(hfile: HardshipFile) -> list[int]:
    entry = on_notice(hfile)
    objection = Objection.objects.create(
        entry=entry,
        raised_by="匿名",
        raised_on=entry.notice.starts_on,
        content="收入不实",
        recorded_by=hfile.created_by,
    )
    return [objection.pk]
