"""PostgreSQL restarted under load: requests meanwhile get the friendly 503 page (both languages, no trace of
the error), never a 500 or a hang, and gunicorn recovers by itself once the database is back.

The app runs in gunicorn (threads, persistent connections) on a PostgreSQL cluster of the test's own holding
a copy of the test database, so the shared server is never touched.
"""

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import HardshipFileFactory

from .services import ROOT, PostgresCluster, free_port, wait_for

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.postgres]
needs_postgres_15 = pytest.mark.skipif(not PostgresCluster.BIN.exists(), reason="needs PostgreSQL 15's initdb/pg_ctl")


@pytest.fixture
def cluster():
    cluster = PostgresCluster()
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def gunicorn(cluster, tmp_path):
    """gunicorn (4 threads, connections kept 60 s) on the cluster; started by the test once the data is copied."""
    port = free_port()
    processes: list[subprocess.Popen] = []

    def start() -> str:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.resilience.worker_settings",
               "DATABASE_URL": cluster.url("hardship"), "CONN_MAX_AGE": "60", "REDIS_URL": "",
               "EMAIL_FILE_PATH": str(tmp_path / "mail")}  # fmt: skip
        command = [sys.executable, "-m", "gunicorn", "hardship.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", "1", "--threads", "4", "--timeout", "30"]  # fmt: skip
        log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - the process owns it
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))  # noqa: S603
        return f"http://127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
        process.wait(20)


def _get(url: str, cookie: str, language: str) -> tuple[int, str, dict]:
    headers = {"Cookie": f"sessionid={cookie}", "Accept-Language": language}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own gunicorn
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - our own gunicorn
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)
    except OSError as error:
        return 0, repr(error), {}


@needs_postgres_15
def test_requests_during_a_restart_get_the_friendly_page_and_the_app_recovers_by_itself(
    client, branch_chair, group_a1, cluster, gunicorn, tmp_path
):
    HardshipFileFactory(unit=group_a1, created_by=branch_chair)
    client.force_login(branch_chair)
    cookie = client.cookies["sessionid"].value
    cluster.copy_database(connection.settings_dict, "hardship")
    base = gunicorn()
    assert wait_for(lambda: _get(base + "/", cookie, "en")[0] == 200, 60), (tmp_path / "gunicorn.log").read_text()

    answers: list[tuple[float, int, str, dict, str]] = []
    stop = threading.Event()

    def load(language: str) -> None:
        while not stop.is_set():
            status, body, headers = _get(base + "/", cookie, language)
            answers.append((time.monotonic(), status, body, headers, language))

    threads = [threading.Thread(target=load, args=(lang,)) for lang in ("en", "zh-hans", "en", "zh-hans")]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        cluster.stop("fast")
        time.sleep(3)
        cluster.start()
        restarted = time.monotonic()
        assert wait_for(lambda: any(a[1] == 200 and a[0] > restarted for a in answers), 30)
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    statuses = Counter(a[1] for a in answers)
    assert set(statuses) == {200, 503}, (statuses, [a[2][:300] for a in answers if a[1] not in (200, 503)][:3])
    for _at, _status, body, headers, language in (a for a in answers if a[1] == 503):
        first = "Please try again in a moment" if language == "en" else "请稍后再试"
        assert first in body and "Please try again in a moment" in body and "请稍后再试" in body
        assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body
        assert headers.get("Retry-After") == "30"
    # Every thread's kept connection died with the server; the last answers are all pages again.
    assert all(a[1] == 200 for a in answers[-8:]), statuses
    log = Path(tmp_path / "gunicorn.log").read_text()
    assert "Database unreachable" in log
