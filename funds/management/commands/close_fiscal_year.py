from django.core.management.base import BaseCommand, CommandError, CommandParser

from funds.services import LedgerError, fiscal_year_close


class Command(BaseCommand):
    help = "Close a fiscal year: record every fund's closing balance and carry it over as next year's opening."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)

    def handle(self, *args, year: int, **options) -> None:
        try:
            closed = fiscal_year_close(year=year)
        except LedgerError as exc:
            raise CommandError(exc.messages[0]) from None
        self.stdout.write(f"Fiscal year {year}: {len(closed)} funds closed and carried over to {year + 1}.")
