from django.core.management.base import BaseCommand, CommandError

from cases.tier_bulk import DEFAULT_CHUNK, tiers_recompute_for_locality
from org.models import Locality


class Command(BaseCommand):
    help = (
        "Recompute the tier suggestions of a locality's open files after its minimum living standard changed "
        "(or of every locality with --all). Chunked by primary key: constant memory; only changed files are saved."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("locality", nargs="?", help="The locality's code, e.g. 530100.")
        parser.add_argument("--all", action="store_true", dest="every", help="Every locality.")
        parser.add_argument("--year", type=int, help="The year of the standard (default: this year).")
        parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="Files per transaction.")

    def handle(self, *args, locality: str | None, every: bool, year: int | None, chunk: int, **options) -> None:
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        if bool(locality) == every:
            raise CommandError("Name one locality's code, or --all.")
        if every:
            localities = list(Locality.objects.order_by("code"))
        else:
            localities = list(Locality.objects.filter(code=locality))
            if not localities:
                raise CommandError(f"No locality has the code {locality}.")
        for place in localities:
            result = tiers_recompute_for_locality(locality=place, year=year, chunk=chunk)
            self.stdout.write(
                f"{place.code} {place.name_zh}: {result.seen} files, {result.changed} suggestions changed."
            )
