"""A reminder run costs the same queries for every chunk of digests, however many households each lists.

Outside a test transaction, as a worker runs it: each chunk's digests are written, committed and
sent (e-mail and notification, in-process) before the next chunk is read.
"""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection

from cases.models import AssistancePlan, PlanHelper
from tests.factories import UserFactory
from visits.models import DigestStatus, ReminderDigest
from visits.reminders import reminders_monthly

from .conftest import filed_file

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class QueriesPerChunk:
    """Counts queries, starting a new chunk at each batch of digests written."""

    def __init__(self) -> None:
        self.chunks = [0]

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "visits_reminderdigest"'):
            self.chunks.append(0)
        self.chunks[-1] += 1
        return execute(sql, params, many, context)


def helpers_with_households(unit, households: list[int]) -> None:
    """One helper (with an e-mail address) per entry, responsible for that many households."""
    for n in households:
        helper = UserFactory(email="helper@example.org", roles=[(unit, "cadre")])
        for _ in range(n):
            plan = AssistancePlan.objects.create(file=filed_file(unit), goal="目标")
            PlanHelper.objects.create(plan=plan, user=helper)


def run_counting(month: dt.date) -> QueriesPerChunk:
    counter = QueriesPerChunk()
    with connection.execute_wrapper(counter):
        reminders_monthly(month=month)
    return counter


def test_a_reminder_run_costs_the_same_queries_per_chunk_for_2_and_for_5_chunks(settings, frozen, group_a1):
    settings.HARDSHIP = {**settings.HARDSHIP, "REMINDER_DIGEST_BATCH": 2, "REMINDER_CHUNK": 3}
    helpers_with_households(group_a1, [1, 4, 2, 1])
    two = run_counting(dt.date(2026, 3, 1))
    helpers_with_households(group_a1, [3, 1, 5, 1, 2, 1])
    five = run_counting(dt.date(2026, 4, 1))

    assert (len(two.chunks) - 1, len(five.chunks) - 1) == (2, 5)
    per_chunk = set(two.chunks[1:]) | set(five.chunks[1:])
    assert len(per_chunk) == 1, f"queries per chunk differ: {two.chunks} and {five.chunks}"
    # Before the first chunk: the one streaming query over the households due (and, in the
    # first run of a process, the frequencies and tiers it reads once per data version).
    assert two.chunks[0] == five.chunks[0] <= 3
    assert ReminderDigest.objects.filter(status=DigestStatus.SENT).count() == 4 + 10
    assert len(mail.outbox) == 14
