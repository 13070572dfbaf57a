from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.retention import CHUNK, files_anonymise_past_retention, files_past_retention, retention_cutoff


class Command(BaseCommand):
    help = (
        "Anonymise closed files closed more than --years years ago (default: the RETENTION_YEARS setting): names, "
        "ID numbers, phones, addresses and members' names go, in the history too; tiers, causes, amounts and "
        "dates stay for the statistics. --dry-run counts them and changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--years", type=int, help="Retention period in years after closing.")
        parser.add_argument("--dry-run", action="store_true", help="Count the files; change nothing.")
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Files per transaction.")

    def handle(self, *args, years: int | None, dry_run: bool, chunk: int, **options) -> None:
        years = settings.HARDSHIP["RETENTION_YEARS"] if years is None else years
        if years < 1:
            raise CommandError("--years must be at least 1.")
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        cutoff = retention_cutoff(years=years)
        if dry_run:
            count = files_past_retention(years=years).count()
            self.stdout.write(f"Dry run: {count} closed files closed before {cutoff} would be anonymised.")
            return
        result = files_anonymise_past_retention(years=years, chunk=chunk)
        self.stdout.write(
            f"Anonymised {result.files} closed files closed before {cutoff} ({result.members} household members)."
        )
