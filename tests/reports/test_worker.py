"""Reports on a real Celery worker and Redis: generated in the background, and not lost when the worker dies.

The worker is a separate `celery worker` process (prefork, one child) on a queue of
its own, reading the test database. To kill it in the middle of a report for
certain, the test holds an exclusive lock on the visits table: the worker claims
the report (it shows as running), then blocks reading visits; the test kills the
pool child, releases the lock, and the message that was never acknowledged is
redelivered to a new child, which finishes the report.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from hardship.celery import app
from notices.models import Notification
from reports.models import Report, ReportStatus
from reports.services import report_request
from tests.factories import VisitFactory

from .conftest import filed
from .pdf import needs_pdftotext, pdf_text

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
    pytest.mark.redis,
    needs_pdftotext,
]
ROOT = Path(__file__).resolve().parents[2]
YEAR = 2025


@pytest.fixture(autouse=True)
def _reports_in_memory(settings, tmp_path):
    """Files on disk where the worker process writes them (the in-memory storage is per process)."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


def _route(queue: str | None) -> None:
    app.conf.task_routes = {"reports.tasks.report_generate_task": {"queue": queue}} if queue else None
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@pytest.fixture
def worker(tmp_path):
    """A `celery worker` process with one pool child, consuming a queue of its own."""
    queue = f"test-reports-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hardship.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(tmp_path),
    }
    command = [sys.executable, "-m", "celery", "-A", "hardship", "worker", "-P", "prefork", "-c", "1", "-Q", queue,
               "--without-mingle", "--without-gossip", "-l", "info"]  # fmt: skip
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    _route(queue)
    try:
        yield process
    finally:
        app.conf.task_always_eager = eager
        _route(None)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
            conn.default_channel.client.delete(f"_kombu.binding.{queue}")


def _wait_for(predicate, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _status(report: Report) -> str:
    report.refresh_from_db()
    return report.status


def _pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


@pytest.fixture
def year_on_file(group_a1):
    hfile = filed(group_a1, f"{YEAR}-03-01")
    VisitFactory(file=hfile, visited_on=dt.date(YEAR, 4, 2), outcome="improved")
    return hfile


def test_a_report_is_generated_by_the_worker_and_the_requester_told(worker, federation_staff, federation, year_on_file):
    report, reused = report_request(user=federation_staff, kind="annual_summary", unit=federation,
                                    params={"year": YEAR})  # fmt: skip
    assert not reused
    assert _wait_for(lambda: _status(report) == ReportStatus.DONE), (tmp_log(worker), report.error)
    assert report.attempts == 1 and report.progress == 100
    assert "Annual summary 2025" in pdf_text(default_storage.open(report.file.name).read())
    assert Notification.objects.filter(user=federation_staff, kind="reports.done").count() == 1


def test_a_worker_killed_in_the_middle_of_a_report_does_not_lose_it(worker, federation_staff, federation, year_on_file):
    db = connection.settings_dict
    blocker = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE visits_visit IN ACCESS EXCLUSIVE MODE")
        report, _reused = report_request(user=federation_staff, kind="annual_summary", unit=federation,
                                         params={"year": YEAR})  # fmt: skip
        # Claimed and running, then stuck on the locked table: the middle of the report.
        assert _wait_for(lambda: _status(report) == ReportStatus.RUNNING), tmp_log(worker)
        assert _wait_for(lambda: bool(_pool_children(worker.pid)), 10)
        time.sleep(0.5)
        for child in _pool_children(worker.pid):
            os.kill(child, signal.SIGKILL)
    finally:
        blocker.rollback()
        blocker.close()
    # The unacknowledged message goes back to the queue; a new pool child finishes the report.
    assert _wait_for(lambda: _status(report) == ReportStatus.DONE, 90), (tmp_log(worker), report.error)
    assert report.attempts == 2
    assert "Annual summary 2025" in pdf_text(default_storage.open(report.file.name).read())
    assert Notification.objects.filter(user=federation_staff, kind="reports.done").count() == 1
    assert "WorkerLostError" in tmp_log(worker) or "exited prematurely" in tmp_log(worker)


def tmp_log(process) -> str:
    path = Path(settings.MEDIA_ROOT) / "worker.log"
    return path.read_text()[-3000:] if path.exists() else ""


def _start_worker(queue: str, tmp_path: Path, name: str, **env) -> subprocess.Popen:
    """A `celery worker` in a session of its own, so that the whole of it (parent and pool) can be killed."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hardship.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(tmp_path),
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "hardship", "worker", "-P", "prefork", "-c", "1", "-Q", queue,
               "-n", f"{name}@%h", "--without-mingle", "--without-gossip", "-l", "info"]  # fmt: skip
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - the process writes it until it ends
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def own_queue():
    queue = f"test-reports-{uuid.uuid4().hex[:8]}"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    _route(queue)
    yield queue
    app.conf.task_always_eager = eager
    _route(None)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)
        conn.default_channel.client.delete(f"_kombu.binding.{queue}")


def test_a_whole_worker_killed_with_sigkill_mid_report_loses_nothing(
    own_queue, tmp_path, federation_staff, federation, year_on_file
):
    """kill -9 of the worker and its pool: the message it never acknowledged goes back to the queue (after the
    broker's visibility timeout, short for the second worker) and the next worker makes the report, once."""
    db = connection.settings_dict
    first = _start_worker(own_queue, tmp_path, "first")
    second = None
    blocker = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE visits_visit IN ACCESS EXCLUSIVE MODE")
        report, _reused = report_request(user=federation_staff, kind="annual_summary", unit=federation,
                                         params={"year": YEAR})  # fmt: skip
        assert _wait_for(lambda: _status(report) == ReportStatus.RUNNING), (tmp_path / "first.log").read_text()
        time.sleep(0.5)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=20)
        blocker.rollback()
        # Nobody is left to finish it: it stays running, its message unacknowledged in Redis.
        time.sleep(2)
        assert _status(report) == ReportStatus.RUNNING
        second = _start_worker(own_queue, tmp_path, "second", CELERY_VISIBILITY_TIMEOUT="3")
        assert _wait_for(lambda: _status(report) == ReportStatus.DONE, 120), (
            (tmp_path / "second.log").read_text()[-3000:],
            report.error,
        )
    finally:
        blocker.close()
        _stop(first)
        if second is not None:
            _stop(second)
    assert report.attempts == 2
    assert "Annual summary 2025" in pdf_text(default_storage.open(report.file.name).read())
    assert Notification.objects.filter(user=federation_staff, kind="reports.done").count() == 1
    assert len(list((tmp_path / "reports").rglob("*.pdf"))) == 1
