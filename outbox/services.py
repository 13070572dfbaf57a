"""The transactional outbox: task calls recorded with the change that causes them, published after commit.

`outbox_add` writes one row per unit of work in the caller's transaction, so the work
exists exactly when the change does. After commit, `outbox_relay` publishes the rows
with short broker timeouts; a broker that is down or frozen costs the request at most
OUTBOX_BROKER_TIMEOUT, after which this process stops trying for OUTBOX_BROKER_BACKOFF
seconds and leaves the rows to `outbox_sweep`, which beat runs every few seconds once
Redis answers again. A relay that timed out may still have reached Redis: every task
called through the outbox claims its own row (digest, report, e-mail) and does its work
once however often it is delivered.
"""

import logging
import time
from collections.abc import Iterable, Sequence

from celery.exceptions import Retry
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from hardship.celery import app

from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)
# Monotonic time until which this process leaves publishing to the sweep (the broker just failed).
_broker_down_until = [0.0]


def outbox_add(*, task: str, calls: Iterable[tuple[str, Sequence]]) -> int:
    """Record calls of `task`, each (key, args), in the current transaction and publish them once it commits.

    A key already recorded goes back to pending: work asked for again (a re-run, a sweep after a lost
    message) is published again, and the task's own claim keeps it from being done twice.
    """
    rows = [OutboxMessage(key=key, task=task, args=list(args)) for key, args in calls]
    if not rows:
        return 0
    OutboxMessage.objects.bulk_create(rows, update_conflicts=True, unique_fields=["key"], update_fields=["status"])
    keys = [row.key for row in rows]
    transaction.on_commit(lambda: outbox_relay(keys=keys, after_commit=True))
    return len(rows)


def outbox_relay(*, keys: list[str] | None = None, limit: int = 500, after_commit: bool = False) -> int:
    """Publish pending messages (these keys, else the oldest `limit`); returns how many reached the broker.

    After a commit in a web request nothing is tried while the broker is known to be down: the rows wait.
    """
    if after_commit and time.monotonic() < _broker_down_until[0]:
        return 0
    eager = app.conf.task_always_eager
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).select_for_update(skip_locked=True)
        if keys is not None:
            pending = pending.filter(key__in=keys)
        messages = list(pending.order_by("pk")[:limit])
        if not messages:
            return 0
        published, error = (messages, "") if eager else _publish(messages)
        _mark(published, error="")
        if error:
            _mark([m for m in messages if m not in published], error=error)
    if eager:
        _run_in_process(messages)
    return len(published)


def _publish(messages: list[OutboxMessage]) -> tuple[list[OutboxMessage], str]:
    timeout = settings.HARDSHIP["OUTBOX_BROKER_TIMEOUT"]
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0}
    published: list[OutboxMessage] = []
    try:
        with app.connection_for_write(connect_timeout=timeout, transport_options=options) as connection:
            for message in messages:
                app.send_task(message.task, args=message.args, connection=connection, ignore_result=True, retry=False)
                published.append(message)
    except Exception as exc:  # noqa: BLE001 - down, frozen, refusing or full: every case leaves the rest pending
        _broker_down_until[0] = time.monotonic() + settings.HARDSHIP["OUTBOX_BROKER_BACKOFF"]
        left = len(messages) - len(published)
        log.warning("Broker unavailable (%s); %d outbox messages left for the sweep", exc, left)
        return published, (str(exc) or exc.__class__.__name__)[:300]
    _broker_down_until[0] = 0.0
    return published, ""


def _mark(messages: list[OutboxMessage], *, error: str) -> None:
    if not messages:
        return
    ids = [m.pk for m in messages]
    if error:
        OutboxMessage.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1, last_error=error)
    else:
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )


def _run_in_process(messages: list[OutboxMessage]) -> None:
    """Without a broker (the embedded default, tests) the calls run here, as `.delay()` would run them."""
    for message in messages:
        try:
            import_string(message.task).delay(*message.args)
        except Retry:
            # An in-process task cannot wait for its retry: it released its own row, which its app's sweep finds.
            log.warning("%s failed for a moment; left for its sweep", message.key)


def outbox_sweep() -> int:
    """Publish everything still pending, oldest first, and forget messages sent long ago; returns how many were sent."""
    sent, batch = 0, settings.HARDSHIP["OUTBOX_SWEEP_BATCH"]
    while (published := outbox_relay(limit=batch)) > 0:
        sent += published
        if published < batch:
            break
    keep = timezone.now() - timezone.timedelta(days=settings.HARDSHIP["OUTBOX_KEEP_DAYS"])
    OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__lt=keep).delete()
    return sent
