"""hardship.jit: JIT off and a larger work_mem for one block of aggregates, and both back afterwards."""

import pytest
from django.db import connection

from hardship.jit import without_jit

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_the_block_runs_without_jit_and_with_more_memory_then_both_are_reset():
    jit, memory = show("jit"), show("work_mem")
    with without_jit(work_mem="48MB"):
        assert (show("jit"), show("work_mem")) == ("off", "48MB")
    assert (show("jit"), show("work_mem")) == (jit, memory)


def test_they_are_reset_when_the_block_fails():
    memory = show("work_mem")
    with pytest.raises(ZeroDivisionError), without_jit(work_mem="48MB"):
        1 / 0  # noqa: B018
    assert show("work_mem") == memory


@pytest.mark.parametrize("value", ["64", "64 MB", "1GB'; DROP TABLE x; --", "99999999MB"])
def test_a_work_mem_that_is_not_a_size_is_refused_before_anything_is_set(value):
    memory = show("work_mem")
    with pytest.raises(ValueError, match="work_mem"), without_jit(work_mem=value):
        pass
    assert show("work_mem") == memory
