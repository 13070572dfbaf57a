"""make backup / make restore: a restore into a scratch database finds every table's count, the fund balances
and the uploaded files of the backup."""

import os
import secrets
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from tests.factories import JPEG_BYTES, VisitAttachmentFactory, funded
from visits.models import VisitAttachment

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.postgres]


def _connect(name: str):
    db = connection.settings_dict
    return psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=name)


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}"


def _figures(name: str) -> dict:
    """Rows in every table, and each fund's balances and sum of ledger entries."""
    with _connect(name) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        figures = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
            figures[table] = cursor.fetchone()[0]
        cursor.execute("SELECT fund_id, available, reserved FROM funds_fundbalance ORDER BY fund_id")
        figures["balances"] = cursor.fetchall()
        cursor.execute("SELECT fund_id, account, sum(amount) FROM funds_entry GROUP BY 1, 2 ORDER BY 1, 2")
        figures["entries"] = cursor.fetchall()
    return figures


@pytest.fixture
def scratch_database():
    name = f"hardship_restore_{secrets.token_hex(4)}"
    admin = _connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _make(target: str, env: dict) -> str:
    done = subprocess.run(["make", "-s", target], cwd=ROOT, env={**os.environ, **env}, capture_output=True,  # noqa: S603, S607
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_backup_restored_into_a_scratch_database_has_the_same_counts_balances_and_files(
    settings, tmp_path, group_a1, scratch_database
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    funded(group_a1, "12345.67")
    attachment = VisitAttachmentFactory()
    attachment.file.save("photo.jpg", ContentFile(JPEG_BYTES))
    uploaded = Path(attachment.file.path).relative_to(settings.MEDIA_ROOT)
    source = connection.settings_dict["NAME"]

    backup = _make("backup", {"DATABASE_URL": _url(source), "MEDIA_ROOT": settings.MEDIA_ROOT,
                              "BACKUP_DIR": str(tmp_path / "backups")})  # fmt: skip
    assert Path(backup + ".dump").stat().st_size > 0 and Path(backup + ".media.tar.gz").exists()
    restored_media = tmp_path / "restored-media"
    _make("restore", {"BACKUP": backup, "TARGET_DATABASE_URL": _url(scratch_database),
                      "MEDIA_ROOT": str(restored_media)})  # fmt: skip

    before, after = _figures(source), _figures(scratch_database)
    assert after == before
    assert after["balances"] and after["cases_hardshipfile"] >= 1 and after["visits_visitattachment"] == 1
    assert (restored_media / uploaded).read_bytes() == JPEG_BYTES
    assert VisitAttachment.objects.get().file.name == str(uploaded)
