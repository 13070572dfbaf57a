"""Celery tasks of the funds app: each calls one service and says how to retry."""

from hardship.celery import app

from .services import aid_requests_escalate


@app.task(acks_late=True, soft_time_limit=600, time_limit=660)
def aid_escalate_task() -> int:
    """Escalate the aid requests left waiting too long at their level (safe to run twice)."""
    return aid_requests_escalate()
