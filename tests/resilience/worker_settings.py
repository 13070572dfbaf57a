"""Settings of the worker, beat and gunicorn processes the resilience tests start: the test settings on a real
broker, with the sweeps run every few seconds instead of every few minutes.

Mail goes to files, so a test counts what the workers sent.
"""

import os

from hardship.settings.test import *  # noqa: F403
from hardship.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, HARDSHIP

CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
# A message taken by a worker that then died is given to another after this many seconds (production: an hour),
# looked for every second (kombu scans on every tenth call).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 10,
    "unacked_restore_interval": 1,
}
HARDSHIP = {
    **HARDSHIP,
    "REMINDER_RESEND_AFTER_MINUTES": float(os.environ.get("REMINDER_RESEND_AFTER_SECONDS", "3")) / 60,
    "REMINDER_CLAIM_STALE_SECONDS": 5,
    "REMINDER_DIGEST_BATCH": int(os.environ.get("REMINDER_DIGEST_BATCH", "200")),
}
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "outbox.tasks.outbox_sweep_task", "schedule": 1.0},
    "visit-reminders-sweep": {"task": "visits.tasks.reminders_sweep_task", "schedule": 2.0},
}
if os.environ.get("REMINDER_MONTH"):
    CELERY_BEAT_SCHEDULE["visit-reminders-monthly"] = {
        "task": "visits.tasks.reminders_monthly_task",
        "schedule": float(os.environ.get("REMINDER_RUN_SECONDS", "3")),
        "args": [os.environ["REMINDER_MONTH"]],
    }
