"""Dynamic monitoring that starts in the cases app: a new accident or illness on a filed household."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import FileCause
from cases.retention import ANONYMISED
from cases.signals import files_anonymised
from cases.workflow import FileStatus
from hardship.uploads import delete_stored_on_commit

from .models import FlagReason, OfflineConflict, Visit, VisitAttachment
from .services import flag_raise


@receiver(post_save, sender=FileCause)
def _flag_new_cause(sender, instance: FileCause, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not created:
        return
    cause = instance.cause
    if cause.code in settings.HARDSHIP["MONITORING_CAUSE_CODES"] and instance.file.status == FileStatus.FILED:
        flag_raise(file=instance.file, reason=FlagReason.NEW_CAUSE, detail=cause.name_zh)


@receiver(files_anonymised)
def _anonymise_visits(sender, file_ids: list[int], **kwargs) -> None:
    """Retention: visit notes, the facts kept for offline conflicts (phones, addresses) and the photos go, in the
    history too; dates, kinds, outcomes and amounts stay for the statistics."""
    for model in (Visit, Visit.history.model):
        model.objects.filter(file_id__in=file_ids).exclude(notes="").update(notes=ANONYMISED)
    for model in (OfflineConflict, OfflineConflict.history.model):
        model.objects.filter(file_id__in=file_ids).update(base=ANONYMISED, theirs=ANONYMISED, mine=ANONYMISED)
    # Photos of the household and its papers: the rows go now, the files once the transaction has committed.
    photos = VisitAttachment.objects.filter(visit__file_id__in=file_ids)
    delete_stored_on_commit(photos)
    photos.delete()
