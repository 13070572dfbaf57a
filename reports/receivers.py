"""Retention reaches the reports: a printed hardship card of an anonymised household loses its name and its file.

The card's title names the worker ("Hardship card · 张三 (no. 42)"); the PDF, if it has not expired
yet, holds the whole card. Both go with the household's name; the row stays (who printed what, when).
"""

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from cases.retention import ANONYMISED
from cases.signals import files_anonymised

from .models import Report, ReportStatus


@receiver(files_anonymised)
def _cards_anonymised(sender, file_ids: list[int], **kwargs) -> None:
    cards = Report.objects.filter(kind="hardship_card", params__pk__in=file_ids)
    stored = [(report.file.storage, report.file.name) for report in cards.exclude(file="").only("file")]
    for report in cards.only("pk", "params", "status"):
        title = _("Hardship card · %(name)s (no. %(pk)s)") % {"name": ANONYMISED, "pk": report.params.get("pk")}
        expired = ReportStatus.EXPIRED if report.status == ReportStatus.DONE else report.status
        Report.objects.filter(pk=report.pk).update(title=title[:200], file="", status=expired)
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])
