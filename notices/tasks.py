"""Celery tasks of the notices app: each loads by id, calls one service, and says how to retry."""

from smtplib import SMTPException

from hardship.celery import app

from .services import notification_email


@app.task(
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def notification_email_task(notification_id: int) -> bool:
    """E-mail one notification (once, however often the message is delivered)."""
    return notification_email(notification_id=notification_id)
