"""PostgreSQL settings for a block of one-off aggregates.

JIT off: it compiles their dozens of conditional counts for longer than it runs them (9.7 s of 21 s for the
annual summary's compliance query, 1.5 s of 2 s for the dashboard's data-quality query over 200,000
households). Optionally a larger work_mem, so their hash joins and grouping stay in memory.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

MEMORY = re.compile(r"^\d{1,7}(kB|MB|GB)$")


@contextmanager
def without_jit(*, work_mem: str = "") -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    if work_mem and not MEMORY.match(work_mem):
        raise ValueError(f"work_mem must look like 64MB, not {work_mem!r}")
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        if work_mem:
            cursor.execute(f"SET work_mem = '{work_mem}'")  # checked above: digits and a unit
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
            if work_mem:
                cursor.execute("RESET work_mem")
