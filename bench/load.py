"""gunicorn on a free loopback port, a logged-in session per persona, and wrk against it."""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "report.lua"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    base: str
    pid: int


@contextmanager
def gunicorn(*, workers: int, worker_class: str, threads: int):
    """Serve the app with the bench settings; yield it once it answers."""
    port = free_port()
    log = open(RESULTS / f"gunicorn-{workers}{worker_class}.log", "w")  # noqa: SIM115 - closed below
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        "hardship.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        # Threads only for gthread: gunicorn turns a threaded "sync" worker into gthread anyway.
        *([f"--threads={threads}"] if worker_class == "gthread" else []),
        "--access-logfile=-" if os.environ.get("BENCH_ACCESS_LOG") else "--access-logfile=/dev/null",
    ]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hardship.settings.bench"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        _wait_ready(base, proc)
        yield Server(base=base, pid=proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_ready(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"!! gunicorn exited with {proc.returncode}: see {RESULTS}/gunicorn-*.log")
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"!! gunicorn did not answer within {timeout:.0f} s")


def login(base: str, username: str, password: str) -> str:
    """POST the login form with its CSRF token, as a browser would; return the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/accounts/login/", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    with opener.open(f"{base}/accounts/login/", data=form.encode(), timeout=10) as response:
        response.read()
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if session is None:
        raise SystemExit(f"!! Logging in as {username} gave no session cookie")
    return session


@dataclass
class LoadResult:
    requests: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int


def wrk(url: str, *, session: str, duration: int, connections: int, threads: int) -> LoadResult:
    cmd = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration}s",
        "--timeout=10s",
        f"--script={LUA}",
        f"--header=Cookie: sessionid={session}",
        url,
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"!! wrk printed no summary for {url}:\n{out}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    return LoadResult(
        requests=data["requests"],
        requests_per_s=round(data["requests"] / (data["duration_us"] / 1e6), 1),
        p50_ms=round(data["p50_us"] / 1000, 1),
        p90_ms=round(data["p90_us"] / 1000, 1),
        p99_ms=round(data["p99_us"] / 1000, 1),
        max_ms=round(data["max_us"] / 1000, 1),
        non_2xx=data["non_2xx"],
        socket_errors=data["socket_errors"],
    )
