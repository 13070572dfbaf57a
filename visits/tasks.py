"""Celery tasks of the visits app: each loads by id or date, calls one service, and says how to retry."""

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from hardship.celery import app

from .periods import add_months, month_start, parse_month
from .reminders import (
    SEND_TIME_LIMIT,
    ReminderSendError,
    reminder_send,
    reminders_escalate,
    reminders_holiday,
    reminders_monthly,
    reminders_review,
    reminders_sweep,
)
from .services import visits_flag_missed

# A run streams every filed household once: minutes, not seconds, at provincial scale. A run is
# idempotent (one digest row per recipient and period), so a database that drops the connection or
# restarts mid-run is simply retried, with backoff, and the retry writes only what is missing.
RUN_LIMITS = {
    "acks_late": True,
    "soft_time_limit": 1800,
    "time_limit": 1900,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 60,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 3,
}


@app.task(
    bind=True,
    acks_late=True,
    autoretry_for=(ReminderSendError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=SEND_TIME_LIMIT - 30,
    time_limit=SEND_TIME_LIMIT,
)
def reminder_send_task(self, digest_id: int) -> bool:
    """Send one digest; on the last allowed attempt a failure marks the row failed instead of retrying."""
    return reminder_send(digest_id=digest_id, final_attempt=self.request.retries >= self.max_retries)


@app.task(**RUN_LIMITS)
def reminders_monthly_task(month: str | None = None) -> int:
    """Digests for `month` ('YYYY-MM'); without one, this month's, on its first REMINDER_MONTHLY_DAYS days.

    The beat starts it daily: a day missed (broker or beat down on the 1st) is caught up the next,
    and the unique row per helper and month makes the other days write only digests still missing.
    """
    today = timezone.localdate()
    if month is None and today.day > settings.HARDSHIP["REMINDER_MONTHLY_DAYS"]:
        return 0
    return reminders_monthly(month=parse_month(month, today)).dispatched


@app.task(**RUN_LIMITS)
def reminders_holiday_task() -> int:
    return sum(run.dispatched for run in reminders_holiday(today=timezone.localdate()))


@app.task(**RUN_LIMITS)
def reminders_escalate_task() -> int:
    return reminders_escalate(today=timezone.localdate()).dispatched


@app.task(**RUN_LIMITS)
def reminders_review_task() -> int:
    """This week's digests of annual reviews due (once per helper and week)."""
    return reminders_review(today=timezone.localdate()).dispatched


@app.task(acks_late=True, soft_time_limit=120, time_limit=150)
def reminders_sweep_task() -> int:
    return reminders_sweep()


@app.task(**RUN_LIMITS)
def visits_flag_missed_task() -> int:
    """Flag two missed months, for the month just ended."""
    last_month = add_months(month_start(timezone.localdate()), -1)
    return visits_flag_missed(month=last_month)
