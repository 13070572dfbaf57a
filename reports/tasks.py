"""Celery tasks of the reports app: each loads by id, calls one service, and says how to retry."""

from django.conf import settings

from hardship.celery import app

from .services import ReportTransientError, report_generate, reports_expire, reports_sweep

LIMITS = settings.HARDSHIP


@app.task(
    bind=True,
    acks_late=True,
    # A worker killed mid-report (out of memory, a deploy) gives the message back to the broker.
    reject_on_worker_lost=True,
    autoretry_for=(ReportTransientError,),
    retry_backoff=15,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=LIMITS["REPORT_MAX_ATTEMPTS"] - 1,
    soft_time_limit=LIMITS["REPORT_TIME_LIMIT"] - 30,
    time_limit=LIMITS["REPORT_TIME_LIMIT"],
)
def report_generate_task(self, report_id: int) -> bool:
    """Generate one report; on the last allowed attempt a transient failure marks it failed instead of retrying."""
    return report_generate(report_id=report_id, final_attempt=self.request.retries >= self.max_retries)


@app.task(acks_late=True, soft_time_limit=60, time_limit=90)
def reports_sweep_task() -> int:
    return reports_sweep()


@app.task(acks_late=True, soft_time_limit=600, time_limit=660)
def reports_expire_task() -> int:
    return reports_expire()
