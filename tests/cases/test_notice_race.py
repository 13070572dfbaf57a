"""A race against real PostgreSQL: filing and an objection at the same moment never leave a filed household
with a pending objection."""

import pytest

from cases.models import HardshipFile
from cases.notice import objection_record
from cases.notice_models import Objection
from cases.services import file_transition
from cases.workflow import FileAction, FileStatus
from tests.concurrency import race
from tests.factories import HardshipFileFactory

from .notice_helpers import on_notice

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _file_and_object_at_once(hfile, cadre, chair) -> list:
    entry = on_notice(hfile, days_ago=30)  # the notice has ended: filing is open
    steps = [
        lambda: file_transition(hfile=hfile, action=FileAction.FILE, by=chair, comment="公示期满"),
        lambda: objection_record(
            hfile=hfile, by=cadre, raised_by="匿名", raised_on=entry.notice.ends_on, content="迟到的异议"
        ),
    ]
    return race(2, lambda i: steps[i]())


def test_filing_and_an_objection_at_once_end_one_way_or_the_other(cadre, branch_chair, group_a1):
    for _ in range(5):
        hfile = HardshipFileFactory(unit=group_a1, created_by=cadre)
        results = _file_and_object_at_once(hfile, cadre, branch_chair)
        filed = HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.FILED
        pending = Objection.objects.filter(entry__file=hfile, outcome="pending").exists()
        assert filed != pending, results
