"""The task pipeline: in-process by default, a real worker on the real Redis broker in CI."""

import pytest
from celery.contrib.testing.worker import start_worker

from hardship.celery import app, ping


@pytest.fixture
def real_broker():
    """Send tasks through the broker instead of running them in-process."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = eager


def test_without_a_broker_tasks_run_in_process():
    assert app.conf.task_always_eager
    assert ping.delay().get(timeout=5) == "pong"


@pytest.mark.redis
def test_a_real_worker_answers_through_redis(real_broker):
    assert real_broker.conf.broker_url.startswith("redis://")
    with start_worker(real_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert ping.delay().get(timeout=20) == "pong"
