"""A real Celery worker on Redis for one test: a thread of the test process, on a queue of its own."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def worker_for(task_name: str) -> Iterator[None]:
    """A real Celery worker on Redis (a thread of this process) taking `task_name` from a queue of its own, so the
    test really waits for the task while other tests' workers never see it."""
    from celery.contrib.testing.worker import start_worker

    from hardship.celery import app

    def route(queue: str | None) -> None:
        app.conf.task_routes = {task_name: {"queue": queue}} if queue else None
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)  # the router keeps the routes it was built with

    queue = f"test-worker-{uuid.uuid4().hex[:8]}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    route(queue)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]):
            yield
    finally:
        app.conf.task_always_eager = eager
        route(None)
        # Starting a worker on one queue narrows the app's cached queue set: rebuild it from the settings.
        for cached in ("queues", "default_queue", "router"):
            app.amqp.__dict__.pop(cached, None)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
            conn.default_channel.exchange_delete(queue)
            conn.default_channel.client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
