"""Recompute the tier suggestions of every file in a locality, after its living standard (or a rule) changed.

Files are read in chunks by primary key (keyset, no OFFSET), each chunk locked and
saved in its own transaction, so memory stays constant and a long run never holds
more than one chunk's locks. Only files whose suggestion actually changes are
saved, each with a history row ("system", with the reason), so a re-run writes
nothing. Relieved, handed-over and closed files are read-only and left alone.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Locality, Unit

from . import tiering
from .models import FileCause, HardshipFile, LivingStandard
from .services import TIER_FIELDS, file_recompute_tier
from .workflow import EDITABLE_STATUSES

DEFAULT_CHUNK = 500


@dataclass
class RecomputeResult:
    seen: int = 0
    changed: int = 0


def units_of_locality(locality: Locality) -> list[int]:
    """Units whose effective locality is `locality`: it is theirs, or their nearest ancestor's with one."""
    own = dict(Unit.objects.values_list("pk", "locality_id"))
    paths = Unit.objects.values_list("pk", "path")
    found = []
    for pk, path in paths:
        ancestors = [int(part) for part in path.split("/") if part]
        nearest = next((own[a] for a in reversed(ancestors) if own.get(a)), None)
        if nearest == locality.pk:
            found.append(pk)
    return found


def _chunks(unit_ids: list[int], size: int) -> Iterator[list[int]]:
    last = 0
    base = HardshipFile.objects.filter(unit_id__in=unit_ids, status__in=EDITABLE_STATUSES).order_by("pk")
    while True:
        pks = list(base.filter(pk__gt=last).values_list("pk", flat=True)[:size])
        if not pks:
            return
        yield pks
        last = pks[-1]


def _place(locality: Locality, year: int) -> tuple:
    amount = LivingStandard.objects.filter(locality=locality, year=year).values_list("monthly_amount", flat=True)
    amount = amount.first()
    standard = (
        tiering.Standard(amount=amount, year=year, locality_zh=locality.name_zh, locality_en=locality.name_en)
        if amount is not None
        else None
    )
    return standard, locality


def tiers_recompute_for_locality(
    *, locality: Locality, year: int | None = None, chunk: int = DEFAULT_CHUNK, log: Callable[[str], None] | None = None
) -> RecomputeResult:
    """Recompute every open file of the locality for `year` (default this year); save only the changed ones."""
    year = year or timezone.localdate().year
    place, result = _place(locality, year), RecomputeResult()
    reason = _("Minimum living standard of %(locality)s for %(year)s changed") % {
        "locality": locality.name_zh,
        "year": year,
    }
    for pks in _chunks(units_of_locality(locality), chunk):
        result.changed += _recompute_chunk(pks, year, place, reason)
        result.seen += len(pks)
        if log:
            log(f"{result.seen} files, {result.changed} changed")
    return result


@transaction.atomic
def _recompute_chunk(pks: list[int], year: int, place: tuple, reason: str) -> int:
    causes = Prefetch("file_causes", queryset=FileCause.objects.only("file_id", "cause_id"))
    files = HardshipFile.objects.select_for_update(of=("self",)).filter(pk__in=pks).prefetch_related(causes)
    changed = 0
    for hfile in files.order_by("pk"):
        before = [getattr(hfile, f"{name}_id" if name.endswith("tier") else name) for name in TIER_FIELDS]
        file_recompute_tier(
            hfile=hfile, cause_ids=[fc.cause_id for fc in hfile.file_causes.all()], year=year, place=place
        )
        after = [getattr(hfile, f"{name}_id" if name.endswith("tier") else name) for name in TIER_FIELDS]
        if before != after:
            hfile._change_reason = reason
            # Not "updated_at": a new standard is not an edit of the card, and must not reorder the file list.
            hfile.save(update_fields=TIER_FIELDS)
            changed += 1
    return changed
