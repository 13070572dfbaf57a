"""Delivery for real: two claimers racing on PostgreSQL, and a Celery worker on the Redis broker."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection

from cases.models import AssistancePlan, PlanHelper
from hardship.celery import app
from notices.models import Notification
from tests.celery_worker import worker_for
from tests.factories import UserFactory
from visits.models import DigestKind, DigestStatus, ReminderDigest
from visits.periods import month_start
from visits.reminders import reminder_send, reminders_monthly

from .conftest import filed_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _digest(helper, period: str = "2026-03") -> ReminderDigest:
    payload = {"month": period, "households": [{"pk": 1, "name": "王某", "overdue": False}], "total": 1, "overdue": 0}
    return ReminderDigest.objects.create(helper=helper, period=period, kind=DigestKind.MONTHLY, payload=payload)


@pytest.mark.postgres
def test_two_workers_claiming_the_same_digest_send_it_once(group_a1):
    helper = UserFactory(email="helper@example.org", roles=[(group_a1, "cadre")])
    digests = [_digest(helper, f"2026-{m:02d}") for m in range(1, 7)]
    for digest in digests:
        start = threading.Barrier(2)
        outcomes: list[bool] = []

        def claim(digest_id: int = digest.pk, start: threading.Barrier = start, outcomes: list = outcomes) -> None:
            try:
                start.wait()
                outcomes.append(reminder_send(digest_id=digest_id))
            finally:
                connection.close()

        threads = [threading.Thread(target=claim) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == [False, True]
    assert ReminderDigest.objects.filter(status=DigestStatus.SENT, attempts=1).count() == len(digests)
    assert len(mail.outbox) == len(digests)
    assert Notification.objects.filter(user=helper).count() == len(digests)


@pytest.fixture
def worker_on_redis():
    """A real worker thread consuming the sends from a queue of its own, so no other test run takes them."""
    with worker_for("visits.tasks.reminder_send_task"):
        yield app


@pytest.mark.redis
def test_a_reminder_run_is_delivered_end_to_end_by_a_real_worker(worker_on_redis, group_a1, group_a2):
    assert worker_on_redis.conf.broker_url.startswith("redis://")
    helpers = [
        UserFactory(email=f"helper{i}@example.org", roles=[(unit, "cadre")])
        for i, unit in enumerate((group_a1, group_a1, group_a2))
    ]
    for helper in helpers:
        hfile = filed_file(helper.memberships.get().unit, filed_on=month_start(_today()))
        PlanHelper.objects.create(plan=AssistancePlan.objects.create(file=hfile, goal="目标"), user=helper)

    # Not inside a transaction: each digest is enqueued on the broker as soon as its batch commits.
    assert reminders_monthly(month=_today()).dispatched == 3

    deadline = time.monotonic() + 30
    while ReminderDigest.objects.exclude(status=DigestStatus.SENT).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ReminderDigest.objects.filter(status=DigestStatus.SENT).count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(h.email for h in helpers)
    assert Notification.objects.filter(kind="visits.monthly").count() == 3
    # A second run finds everything sent and enqueues nothing.
    assert reminders_monthly(month=_today()).dispatched == 0
    assert len(mail.outbox) == 3


def _today():
    from django.utils import timezone

    return timezone.localdate()
