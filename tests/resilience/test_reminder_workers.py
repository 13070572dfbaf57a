"""Reminder runs on real Celery workers and beats: a worker killed (kill -9, pool and all) in the middle of a
run, and two beats started by mistake. Every household's helper gets one digest, sent once.

The run is stopped in its middle for certain by holding a row lock on the helper of the third batch: the
digest rows of that batch wait on the foreign key check while the first two batches are written and sent.
"""

import psycopg2
import pytest
from django.db import IntegrityError, connection, transaction
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
]
BATCH = 5


def _month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def _assert_each_helper_reminded_once(helpers: list[int]) -> None:
    digests = ReminderDigest.objects.filter(kind=DigestKind.MONTHLY, period=_month())
    assert sorted(digests.values_list("helper_id", flat=True)) == sorted(helpers)
    assert set(digests.values_list("status", flat=True)) == {DigestStatus.SENT}
    notified = Notification.objects.filter(kind="visits.monthly").values_list("user_id", flat=True)
    assert sorted(notified) == sorted(helpers)  # one each: none lost, none twice


def test_a_worker_killed_in_the_middle_of_a_run_loses_nothing_and_sends_nothing_twice(
    app_on_own_redis, celery_processes, group_a1
):
    helpers = households_due(group_a1, 6 * BATCH)
    celery_processes.env["REMINDER_DIGEST_BATCH"] = str(BATCH)
    db = connection.settings_dict
    blocker = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        with blocker.cursor() as cursor:
            cursor.execute("SELECT id FROM auth_user WHERE id = %s FOR UPDATE", [sorted(helpers)[2 * BATCH]])
        first = celery_processes.worker("first", concurrency=2)
        # On a connection of its own: the app's pooled one may still point at an earlier test's broker.
        with app.connection_for_write() as broker:
            reminders_monthly_task.apply_async(args=[_month()], connection=broker, ignore_result=True)
        # Two batches written and being sent; the third waits on the lock: the middle of the run.
        assert wait_for(lambda: ReminderDigest.objects.count() == 2 * BATCH, 60), celery_processes.logs()
        assert not wait_for(lambda: ReminderDigest.objects.count() > 2 * BATCH, 2)
        celery_processes.kill(first)
    finally:
        blocker.rollback()
        blocker.close()
    # After the restart the run's unacknowledged message comes back (visibility timeout) and the beat's sweeps
    # hand out again the digests the dead worker had claimed.
    celery_processes.worker("second", concurrency=2)
    celery_processes.beat()
    sent = ReminderDigest.objects.filter(status=DigestStatus.SENT)
    assert wait_for(lambda: sent.count() == len(helpers), 120), celery_processes.logs()
    wait_for(lambda: False, 4)  # late duplicates, if any, would land now
    _assert_each_helper_reminded_once(helpers)


def test_two_beats_started_by_mistake_send_each_reminder_once(app_on_own_redis, celery_processes, group_a1):
    helpers = households_due(group_a1, 40)
    celery_processes.env.update(REMINDER_MONTH=_month(), REMINDER_RUN_SECONDS="1", REMINDER_DIGEST_BATCH="10")
    celery_processes.worker("worker", concurrency=2)
    celery_processes.beat("beat")
    celery_processes.beat("second-beat")
    sent = ReminderDigest.objects.filter(status=DigestStatus.SENT)
    assert wait_for(lambda: sent.count() == len(helpers), 120), celery_processes.logs()
    wait_for(lambda: False, 5)  # both beats keep starting runs: they find every digest written
    runs = celery_processes.log("worker").count("reminders_monthly_task[")
    assert runs >= 4, celery_processes.logs()  # the two beats did start several runs
    _assert_each_helper_reminded_once(helpers)
    # The guarantee is the database's: a second digest for the same helper, period and kind cannot be written.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderDigest.objects.create(helper_id=helpers[0], period=_month(), kind=DigestKind.MONTHLY)
