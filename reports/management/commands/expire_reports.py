"""Delete the files of reports past their retention by hand: `manage.py expire_reports` (what the daily task does)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from reports.services import reports_expire


class Command(BaseCommand):
    help = "Delete the PDF files of reports finished more than REPORT_RETENTION_DAYS ago; the reports stay, expired."

    def handle(self, *args, **options) -> None:
        expired = reports_expire()
        days = settings.HARDSHIP["REPORT_RETENTION_DAYS"]
        self.stdout.write(f"{expired} report file(s) older than {days} days deleted; the reports are marked expired.")
