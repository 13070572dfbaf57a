"""Run the monthly visit reminders by hand: `manage.py send_visit_reminders --month 2026-03`."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from visits.periods import MONTH
from visits.reminders import reminders_monthly


def _month(value: str) -> dt.date:
    match = MONTH.match(value)
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise CommandError(f"--month must look like 2026-03, not {value!r}.")
    return dt.date(int(match[1]), int(match[2]), 1)


class Command(BaseCommand):
    help = "Write and send each responsible helper's digest of households due in a month (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="the month, as YYYY-MM")

    def handle(self, *args, month: str, **options) -> None:
        result = reminders_monthly(month=_month(month))
        self.stdout.write(f"{result.dispatched} digest(s) dispatched for {month}.")
