"""Retention reaches the reports: a printed hardship card of an anonymised household loses its name and its file.

The card's title names the worker ("Hardship card · 张三 (no. 42)"); the PDF, if it has not expired
yet, holds the whole card. Both go with the household's name; the row stays (who printed what, when).
"""

from django.dispatch import receiver
from django.utils import translation

from cases.signals import files_anonymised
from hardship.uploads import delete_stored_on_commit

from .kinds.documents import card_title
from .models import Report, ReportStatus


@receiver(files_anonymised)
def _cards_anonymised(sender, file_ids: list[int], **kwargs) -> None:
    # Sent once the files are anonymised: the card's own title now reads "*** (no. 42)", in the card's language.
    cards = Report.objects.filter(kind="hardship_card", params__pk__in=file_ids)
    delete_stored_on_commit(cards.exclude(file=""))
    for report in cards.select_related("unit").only("pk", "params", "status", "language", "unit"):
        with translation.override(report.language):
            title = card_title(report.unit, report.params)
        expired = ReportStatus.EXPIRED if report.status == ReportStatus.DONE else report.status
        Report.objects.filter(pk=report.pk).update(title=title[:200], file="", status=expired)
