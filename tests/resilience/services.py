"""Real processes for the resilience tests: a Redis server of our own, Celery workers and beats.

Nothing here touches the shared Redis or PostgreSQL: each test starts its own redis-server on
a free port (and the PostgreSQL test its own cluster), so it may freeze, kill or restart them.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], bool], seconds: float = 60, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class RedisServer:
    """A redis-server process on a free port, without persistence: a restart loses everything queued."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        log = str(self.directory / "redis.log")
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.directory), "--logfile", log]  # fmt: skip
        self.process = subprocess.Popen(command)  # noqa: S603
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        assert wait_for(lambda: _answers(client), 10), "redis-server did not start"

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


def _answers(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


class Celery:
    """`celery worker` and `celery beat` processes on the test database and a RedisServer."""

    def __init__(self, directory: Path, redis_url: str, **env: str) -> None:
        db = connection.settings_dict
        self.directory = directory
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.resilience.worker_settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": redis_url,
            "EMAIL_FILE_PATH": str(directory / "mail"),
            "OUTBOX_SWEEP_SECONDS": "1",
            **env,
        }
        self.processes: list[subprocess.Popen] = []

    def _start(self, name: str, arguments: list[str]) -> subprocess.Popen:
        log = open(self.directory / f"{name}.log", "a")  # noqa: SIM115 - the process owns it
        command = [sys.executable, "-m", "celery", "-A", "hardship", *arguments, "-l", "info"]
        # A session of its own: kill() takes the worker and its pool children down together, like a crash.
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                   start_new_session=True)  # fmt: skip
        process.name = name
        self.processes.append(process)
        return process

    def worker(self, name: str = "worker", concurrency: int = 1) -> subprocess.Popen:
        return self._start(name, ["worker", "-P", "prefork", "-c", str(concurrency), "-n", f"{name}@%h",
                                  "--without-mingle", "--without-gossip"])  # fmt: skip

    def beat(self, name: str = "beat") -> subprocess.Popen:
        return self._start(name, ["beat", "-s", str(self.directory / f"{name}-schedule"),
                                  "--pidfile", str(self.directory / f"{name}.pid")])  # fmt: skip

    def kill(self, process: subprocess.Popen) -> None:
        """kill -9 the process and every child it started (a worker's pool), as the kernel's OOM killer would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n" + self.log(p.name)[-2000:] for p in self.processes)

    def log(self, name: str) -> str:
        path = self.directory / f"{name}.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def mails(self) -> list[str]:
        """The messages the workers handed to the (file-based) mail backend."""
        folder = self.directory / "mail"
        if not folder.exists():
            return []
        text = "".join(path.read_text() for path in sorted(folder.iterdir()))
        return [part for part in text.split("-" * 79) if "Subject:" in part]


class PostgresCluster:
    """A PostgreSQL 15 cluster of the test's own in a temporary directory, run as the postgres user when root."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="hardship-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], check=check, capture_output=True, text=True, cwd=self.directory)  # noqa: S603

    def init(self) -> None:
        self._run(str(self.BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--locale=C.UTF-8")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"), "-w",
                  "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy_database(self, source: dict, name: str) -> None:
        """The source database (Django's connection settings) dumped and restored here as `name`."""
        dump = str(self.directory / "copy.dump")
        here = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        _client("pg_dump", "-Fc", "-h", source["HOST"], "-p", str(source["PORT"]), "-U", source["USER"],
                "-f", dump, source["NAME"])  # fmt: skip
        _client("createdb", *here, name)
        _client("pg_restore", "--no-owner", *here, "-d", name, dump)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def _client(tool: str, *arguments: str) -> None:
    """Run a PostgreSQL client program found on the PATH."""
    subprocess.run([shutil.which(tool) or tool, *arguments], check=True)  # noqa: S603
