"""Celery tasks of the outbox: the sweep that publishes what a broker outage left pending."""

from hardship.celery import app

from .services import outbox_sweep


@app.task(acks_late=True, soft_time_limit=50, time_limit=60, ignore_result=True)
def outbox_sweep_task() -> int:
    return outbox_sweep()
