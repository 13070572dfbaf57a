"""PostgreSQL refuses UPDATE and DELETE on ledger rows, whatever the client (corrections are reversals).

SQLite has no such trigger here; the model layer refuses there (funds.models.AppendOnly).
TRUNCATE is left alone so test databases can be flushed.
"""

from django.db import migrations

TABLES = ("funds_ledgertransaction", "funds_entry")

CREATE = """
CREATE OR REPLACE FUNCTION funds_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
    "FOR EACH ROW EXECUTE FUNCTION funds_ledger_append_only();\n"
    for t in TABLES
)
DROP = "".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};\n" for t in TABLES) + (
    "DROP FUNCTION IF EXISTS funds_ledger_append_only();"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("funds", "0002_default_fund_kinds")]
    operations = [migrations.RunPython(create, drop)]
