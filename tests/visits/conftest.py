"""Visits tests: a filed household in group A1, a frozen clock, attachments in memory."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.models import AssistancePlan, Cause, PlanHelper
from cases.workflow import FileStatus
from tests.factories import HardshipFileFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 16)


def filed_file(unit, filed_on: dt.date = dt.date(2026, 1, 10), **kwargs):
    """A filed household whose primary cause (low income) raises no monitoring flag."""
    low_income = Cause.objects.get(code="low-income")
    return HardshipFileFactory(unit=unit, status=FileStatus.FILED, filed_on=filed_on, cause=low_income, **kwargs)


@pytest.fixture(autouse=True)
def _attachments_in_memory(settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def frozen():
    """Mid-March 2026: after the Spring Festival window, before Mid-Autumn."""
    with time_machine.travel(dt.datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


@pytest.fixture
def filed(frozen, group_a1, cadre):
    """Filed on 10 January 2026; the cadre is its responsible helper."""
    hfile = filed_file(group_a1, created_by=cadre)
    plan = AssistancePlan.objects.create(file=hfile, goal="目标")
    PlanHelper.objects.create(plan=plan, user=cadre)
    return hfile
