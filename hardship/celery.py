"""The Celery application; tasks are discovered in every installed app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hardship.settings.local")

app = Celery("hardship")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(bind=True, acks_late=True, soft_time_limit=10, time_limit=20)
def ping(self) -> str:
    """Answer 'pong' from a worker: the health check of the task pipeline."""
    return "pong"
