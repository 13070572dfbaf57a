"""Bulk rows for benchmark-sized datasets: COPY on PostgreSQL, multi-row INSERT elsewhere.

Rows are plain column values (no model instance per row, no signals, no history), as an
import from another system would write them; ids are drawn from the table's sequence first
so related rows can point at them in the same batch.
"""

import io
from collections.abc import Sequence

from django.db import models


def new_ids(cursor, model: type[models.Model], n: int) -> list[int]:
    """`n` fresh primary keys for `model`'s table."""
    connection = cursor.db
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",  # noqa: S608
            [n],
        )
        return [pk for (pk,) in cursor.fetchall()]
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
    top = cursor.fetchone()[0]
    return list(range(top + 1, top + 1 + n))


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(cursor, model: type[models.Model], rows: Sequence[dict]) -> None:
    """Write `rows` (column values by attname) into `model`'s table; columns a row leaves out take their default.

    A row without a primary key gets one from the table.
    """
    if not rows:
        return
    connection = cursor.db
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.attname not in rows[0])]
    defaults = {f.attname: f.get_default() for f in fields}
    values = [[row.get(f.attname, defaults[f.attname]) for f in fields] for row in rows]
    table, columns = model._meta.db_table, ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        text = "\n".join("\t".join(map(_copy_text, row)) for row in values) + "\n"
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))
    else:
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608
