"""PostgreSQL's JIT off for a block of one-off aggregates: it compiles their dozens of conditional counts
for longer than it runs them (9.7 s of 21 s for the annual summary's compliance query, 1.5 s of 2 s for the
dashboard's data-quality query over 200,000 households)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def without_jit() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
