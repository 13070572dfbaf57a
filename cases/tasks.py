"""Celery tasks of the cases app: each loads by id, calls one service, and says how to retry."""

from django.db import InterfaceError, OperationalError

from hardship.celery import app
from org.models import Locality
from outbox.services import outbox_add

from .tier_bulk import tiers_recompute_for_locality


# A locality may hold tens of thousands of files: minutes, not seconds. A run saves only what
# changed, so a retry after a dropped connection repeats nothing.
@app.task(
    acks_late=True,
    soft_time_limit=1800,
    time_limit=1900,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=60,
    max_retries=3,
)
def tiers_recompute_task(locality_id: int, year: int) -> dict:
    locality = Locality.objects.filter(pk=locality_id).first()
    if locality is None:
        return {"seen": 0, "changed": 0}
    result = tiers_recompute_for_locality(locality=locality, year=year)
    return {"seen": result.seen, "changed": result.changed}


def tiers_recompute_after_commit(*, locality_id: int, year: int) -> None:
    """Recompute the locality's suggestions: in the outbox of the standard's change, published once it commits."""
    outbox_add(task="cases.tasks.tiers_recompute_task", calls=[(f"tiers:{locality_id}:{year}", [locality_id, year])])
