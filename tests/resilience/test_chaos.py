"""Chaos: 10,000 households due, a beat and two workers as real processes; one worker is killed (kill -9, pool
and all) in the middle of the sends, Redis is restarted (everything queued is lost: no persistence), and a
second beat is started by mistake. Every household's helper still gets exactly one reminder.

What makes it hold: each digest is a database row (unique per helper, period and kind) written before anything
is queued, every send claims its row with a conditional UPDATE, the outbox and the sweeps hand out again what
the broker lost, and a dead worker's claims go back to pending after REMINDER_CLAIM_STALE_SECONDS.
"""

import time

import pytest
from django.db.models import Count
from django.utils import timezone

from hardship.celery import app
from notices.models import Notification
from visits.models import DigestKind, DigestStatus, ReminderDigest
from visits.tasks import reminders_monthly_task

from .households import households_due
from .services import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
]
HOUSEHOLDS = 10_000
# Limits, not targets: on a quiet 2-core machine the first 1,500 take about 60 s and all 10,000 about 170 s; with
# benchmarks seeding beside the suite they took over three times as long (a run failed at a 180 s limit).
FIRST_SENDS_LIMIT_S, ALL_SENT_LIMIT_S = 480, 900


def test_ten_thousand_reminders_survive_a_killed_worker_a_redis_restart_and_a_second_beat(
    app_on_own_redis, celery_processes, group_a1
):
    started = time.monotonic()
    helpers = households_due(group_a1, HOUSEHOLDS)
    month = f"{timezone.localdate():%Y-%m}"
    # Beats start a run every 45 s; the sweep hands out digests pending for a minute.
    celery_processes.env.update(REMINDER_MONTH=month, REMINDER_RUN_SECONDS="45", REMINDER_RESEND_AFTER_SECONDS="60")
    doomed = celery_processes.worker("doomed", concurrency=2)
    celery_processes.worker("survivor", concurrency=2)
    celery_processes.beat("beat")
    with app.connection_for_write() as broker:  # the day's first run, as the 07:00 beat entry sends it
        reminders_monthly_task.apply_async(args=[month], connection=broker, ignore_result=True)

    sent = ReminderDigest.objects.filter(status=DigestStatus.SENT)
    assert wait_for(lambda: sent.count() >= 1500, FIRST_SENDS_LIMIT_S), celery_processes.logs()
    celery_processes.kill(doomed)
    killed_at = sent.count()
    app_on_own_redis.restart()
    celery_processes.beat("second-beat")

    assert wait_for(lambda: sent.count() == HOUSEHOLDS, ALL_SENT_LIMIT_S, step=1), (
        sent.count(),
        celery_processes.logs(),
    )
    time.sleep(5)  # duplicates still in the queues would be handled by now
    assert killed_at < HOUSEHOLDS
    digests = ReminderDigest.objects.filter(kind=DigestKind.MONTHLY, period=month)
    assert digests.count() == HOUSEHOLDS and set(digests.values_list("status", flat=True)) == {DigestStatus.SENT}
    notified = Notification.objects.filter(kind="visits.monthly")
    assert notified.count() == HOUSEHOLDS
    assert set(notified.values_list("user_id", flat=True)) == set(helpers)
    assert not notified.values("user_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    print(f"chaos: {HOUSEHOLDS} reminders in {time.monotonic() - started:.0f} s, worker killed at {killed_at} sent")  # noqa: T201
