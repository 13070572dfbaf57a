from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases.models import Tier
from cases.tier_schemes import SCHEMES, load_scheme


class Command(BaseCommand):
    help = "Switch the active tiers to a published scheme (yunnan, dexing). Files keep their tiers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("scheme", choices=SCHEMES)

    @transaction.atomic
    def handle(self, *args, scheme: str, **options) -> None:
        rows = load_scheme(scheme)
        if not rows:
            raise CommandError(f"Scheme {scheme} is empty.")
        codes = [row["code"] for row in rows]
        for row in rows:
            Tier.objects.update_or_create(code=row["code"], defaults={**row, "is_active": True})
        retired = 0
        # Saved one by one so the cached tier list is dropped (see cases.selectors).
        for tier in Tier.objects.exclude(code__in=codes).filter(is_active=True):
            tier.is_active = False
            tier.save(update_fields=["is_active"])
            retired += 1
        self.stdout.write(f"Tier scheme {scheme}: {len(rows)} active tiers, {retired} retired.")
