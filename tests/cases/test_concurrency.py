"""Races against real PostgreSQL: separate threads, separate connections, one barrier."""

import pytest
from django.core.exceptions import ValidationError

from cases.models import FileEvent, HardshipFile
from cases.services import TransitionNotAllowed, file_transition
from cases.workflow import FileAction, FileStatus
from tests.concurrency import race
from tests.factories import HardshipFileFactory, new_resident_id

from .helpers import create_file

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_concurrent_filings_of_one_id_leave_exactly_one_open_file(cadre, cadre_a2, branch_chair, group_a1, group_a2):
    number = new_resident_id()
    people = [(cadre, group_a1), (cadre_a2, group_a2), (branch_chair, group_a1), (branch_chair, group_a2)] * 2
    results = race(len(people), lambda i: create_file(by=people[i][0], unit=people[i][1], id_number=number))
    created = [r for r in results if isinstance(r, HardshipFile)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1, results
    assert len(refused) == len(people) - 1, results
    assert all("already has an open file" in r.message_dict["id_number"][0] for r in refused)
    assert HardshipFile.objects.filter(id_number=number).count() == 1


def test_concurrent_steps_on_one_file_happen_once(branch_chair, group_a1):
    hfile = HardshipFileFactory(unit=group_a1, status=FileStatus.INVESTIGATED)
    results = race(
        8, lambda i: file_transition(hfile=hfile, action=FileAction.FILE, by=branch_chair, comment=f"thread {i}")
    )
    assert sum(isinstance(r, HardshipFile) for r in results) == 1, results
    assert sum(isinstance(r, TransitionNotAllowed) for r in results) == 7, results
    assert FileEvent.objects.filter(file=hfile, action=FileAction.FILE).count() == 1
    assert HardshipFile.objects.get(pk=hfile.pk).status == FileStatus.FILED
