"""Where the CPU went during a scenario: the app, PostgreSQL, wrk, and anything else on the machine.

The box is small and may be shared, so each scenario also records the CPU milliseconds the app
and the database spent per request (steady whatever else runs) and how busy other work kept it.
"""

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds since boot, all cores, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return (total - idle) / TICK, total / TICK


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], utime [11])."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (those that have exited count as 0)."""
    stats = [f for f in map(_stat, pids) if f]
    return sum(int(f[11]) + int(f[12]) for f in stats) / TICK


def exited_children_cpu_s(pid: int | None) -> float:
    """CPU seconds of the children `pid` has reaped: PostgreSQL's parallel workers, for the postmaster."""
    fields = _stat(pid) if pid else None
    return (int(fields[13]) + int(fields[14])) / TICK if fields else 0.0


def parent_of(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def children_of(pid: int) -> list[int]:
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit() and parent_of(int(e.name)) == pid]


def reaped_children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def busy_fraction(seconds: float = 1.0) -> float:
    """How busy the whole machine is right now, 0..1 of all cores."""
    busy0, total0 = machine_busy_s()
    time.sleep(seconds)
    busy1, total1 = machine_busy_s()
    return (busy1 - busy0) / max(total1 - total0, 1e-9)


def wait_for_quiet(*, limit: float, max_wait: float, log) -> float:
    """Wait (up to max_wait s) until other work leaves the machine under `limit` busy; return the last reading."""
    deadline = time.monotonic() + max_wait
    busy = busy_fraction()
    announced = False
    while busy > limit and time.monotonic() < deadline:
        if not announced:
            log(f"   machine {busy:.0%} busy with other work: waiting up to {max_wait:.0f} s for it to settle")
            announced = True
        busy = busy_fraction(2.0)
    return busy


@dataclass
class CpuSplit:
    app_s: float
    db_s: float
    load_s: float
    other_s: float
    wall_s: float


class CpuMeter:
    """Measures one scenario: gunicorn workers, the bench database's backends, wrk, and the rest.

    The database's share includes the parallel workers its backends start (a full-table
    COUNT(*) uses them): they exit within the query, so they are counted at the postmaster.
    """

    def __init__(self, app_pids: list[int], db_pids: list[int]) -> None:
        self.app_pids, self.db_pids = app_pids, db_pids
        self.postmaster = parent_of(db_pids[0]) if db_pids else None

    def _db_cpu_s(self) -> float:
        return process_cpu_s(self.db_pids) + exited_children_cpu_s(self.postmaster)

    def __enter__(self) -> "CpuMeter":
        self.start = (
            process_cpu_s(self.app_pids),
            self._db_cpu_s(),
            reaped_children_cpu_s(),
            machine_busy_s()[0],
            time.monotonic(),
        )
        return self

    def __exit__(self, *exc) -> None:
        app0, db0, load0, busy0, wall0 = self.start
        app = process_cpu_s(self.app_pids) - app0
        db = self._db_cpu_s() - db0
        load = reaped_children_cpu_s() - load0
        busy = machine_busy_s()[0] - busy0
        self.split = CpuSplit(
            app_s=app, db_s=db, load_s=load, other_s=max(busy - app - db - load, 0.0), wall_s=time.monotonic() - wall0
        )
