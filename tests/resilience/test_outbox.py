"""The outbox: written with the change or not at all, one row per unit of work, and a broker outage that costs
a request at most the relay's short timeout."""

import time

import pytest
from django.db import transaction

from hardship.celery import app
from outbox.models import OutboxMessage, OutboxStatus
from outbox.services import _broker_down_until, outbox_add, outbox_sweep
from tests.resilience.services import free_port

pytestmark = pytest.mark.django_db
TASK = "hardship.celery.ping"


@pytest.fixture
def unreachable_broker():
    """A port nobody listens on: every publish is refused."""
    saved = {name: app.conf[name] for name in ("broker_url", "broker_write_url", "task_always_eager")}
    app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0", broker_write_url=None, task_always_eager=False)
    _broker_down_until[0] = 0.0
    yield
    app.conf.update(saved)
    _broker_down_until[0] = 0.0


def test_work_rolled_back_with_its_change_is_never_recorded(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox_add(task=TASK, calls=[("ping:1", [])])
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()


def test_the_same_work_asked_twice_is_one_row_and_runs_in_process_without_a_broker(
    django_capture_on_commit_callbacks,
):
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outbox_add(task=TASK, calls=[("ping:1", [])])
    message = OutboxMessage.objects.get()
    assert (message.key, message.status, message.attempts) == ("ping:1", OutboxStatus.SENT, 2)


def test_a_refused_broker_leaves_the_work_pending_and_later_requests_do_not_wait(
    unreachable_broker, django_capture_on_commit_callbacks
):
    start = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        outbox_add(task=TASK, calls=[("ping:1", [])])
    first = time.monotonic() - start
    start = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        outbox_add(task=TASK, calls=[("ping:2", [])])
    second = time.monotonic() - start
    assert first < 1.5 and second < 0.2, (first, second)
    rows = OutboxMessage.objects.order_by("key")
    assert [(m.status, m.attempts) for m in rows] == [(OutboxStatus.PENDING, 1), (OutboxStatus.PENDING, 0)]
    assert rows[0].last_error
    # The sweep ignores the request path's back-off; the broker still refuses, so nothing is marked sent.
    assert outbox_sweep() == 0
    assert not OutboxMessage.objects.filter(status=OutboxStatus.SENT).exists()
