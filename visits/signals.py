"""Dynamic monitoring that starts in the cases app: a new accident or illness on a filed household."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import FileCause
from cases.workflow import FileStatus

from .models import FlagReason
from .services import flag_raise


@receiver(post_save, sender=FileCause)
def _flag_new_cause(sender, instance: FileCause, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not created:
        return
    cause = instance.cause
    if cause.code in settings.HARDSHIP["MONITORING_CAUSE_CODES"] and instance.file.status == FileStatus.FILED:
        flag_raise(file=instance.file, reason=FlagReason.NEW_CAUSE, detail=cause.name_zh)
