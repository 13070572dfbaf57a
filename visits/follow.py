"""Visits follow their household when its file is merged into another (a duplicate merged away).

Runs inside the merge's transaction (see `cases.signals`). A transfer needs nothing
here: visits, attachments and flags reach their unit through the file.
"""

from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import HardshipFile
from cases.signals import files_merged

from .models import MonitoringFlag, Visit


def visits_follow_merge(*, survivor: HardshipFile, merged: HardshipFile, by) -> None:
    """Move the merged file's visits and open flags; a flag the survivor already holds open is handled with a note."""
    Visit.objects.filter(file=merged).update(file=survivor)
    held = MonitoringFlag.objects.open().filter(file=survivor).values("reason")
    note = _("Merged into file no. %(pk)s, which holds the same flag.") % {"pk": survivor.pk}
    for flag in MonitoringFlag.objects.open().filter(file=merged, reason__in=held):
        flag.handled_by, flag.handled_at, flag.note, flag._history_user = by, timezone.now(), note, by
        flag.save(update_fields=["handled_by", "handled_at", "note"])
    MonitoringFlag.objects.filter(file=merged).update(file=survivor)


@receiver(files_merged)
def _visits_follow_merge(sender, survivor, merged, by, **kwargs) -> None:
    visits_follow_merge(survivor=survivor, merged=merged, by=by)
