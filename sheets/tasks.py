"""Celery tasks of the sheets app: a large upload's check or import, run by a worker."""

from hardship.celery import app

from .services import import_run


@app.task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=1800, time_limit=1900)
def import_run_task(job_id: int, commit: bool) -> None:
    import_run(job_id=job_id, commit=commit)
