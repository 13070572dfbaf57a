"""The dashboard of federation staff over the 200,000 files of `hardship_bench` (issue 7: median under 200 ms).

Three measurements, each on gunicorn under wrk like the other pages:

- `dashboard:federation`: as deployed, the scope's figures cached for DASHBOARD_CACHE_SECONDS (60 s) and
  shared by every federation staff member; one connection (a person reading the page);
- `dashboard:federation-16`: the same under 16 connections (the whole staff refreshing at once);
- `dashboard:federation-uncached`: DASHBOARD_CACHE_SECONDS=0, every request recomputing every aggregate;
  one connection. This is the request that fills the cache once a minute.

Before the load, `compute_figures` runs in-process a few times: the time of the aggregates alone, and the
queries of one uncached request.
"""

import argparse
import os
import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.funds import results_rows
from bench.scenarios import Scenario
from cases.selectors import file_list_for_user
from dashboard.figures import compute_figures

PERSONA = "federation"
CACHED, CROWD, UNCACHED = "dashboard:federation", "dashboard:federation-16", "dashboard:federation-uncached"
SCENARIOS = (CACHED, CROWD, UNCACHED)
MAX_P50_MS = 200
COMPUTE_RUNS = 5


def scenarios() -> list[Scenario]:
    user = get_user_model().objects.get(username=PERSONA)
    files = file_list_for_user(user=user).count()
    return [
        Scenario(CACHED, "dashboard", PERSONA, "/", files, "figures cached 60 s per scope; one connection"),
        Scenario(CROWD, "dashboard", PERSONA, "/", files, "figures cached 60 s per scope; 16 connections"),
        Scenario(UNCACHED, "dashboard", PERSONA, "/", files, "DASHBOARD_CACHE_SECONDS=0; one connection"),
    ]


def compute_in_process() -> dict:
    """The aggregates alone, uncached: median of a few runs, and the queries they make."""
    user = get_user_model().objects.get(username=PERSONA)
    today = timezone.localdate()
    compute_figures(user=user, today=today)  # scope and configuration lists warm; PostgreSQL's cache too
    times = []
    for _ in range(COMPUTE_RUNS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            compute_figures(user=user, today=today)
        times.append(time.perf_counter() - started)
    slowest = sorted(ctx.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "compute_median_ms": round(1000 * statistics.median(times), 1),
        "compute_runs_ms": [round(1000 * t, 1) for t in times],
        "compute_queries": len(ctx),
        "slowest_queries": [{"ms": round(1000 * float(q["time"]), 1), "sql": q["sql"][:140]} for q in slowest],
    }


def load_args(args: argparse.Namespace, name: str) -> argparse.Namespace:
    """One connection, except the crowd."""
    if name == CROWD:
        return args
    return argparse.Namespace(**{**vars(args), "connections": 1, "threads": 1})


class uncached_server_env:  # noqa: N801 - used as a context manager, named like one
    """DASHBOARD_CACHE_SECONDS=0 for the gunicorn started inside the block."""

    def __enter__(self):
        self.old = os.environ.get("DASHBOARD_CACHE_SECONDS")
        os.environ["DASHBOARD_CACHE_SECONDS"] = "0"

    def __exit__(self, *exc):
        if self.old is None:
            del os.environ["DASHBOARD_CACHE_SECONDS"]
        else:
            os.environ["DASHBOARD_CACHE_SECONDS"] = self.old


def targets(results: list[dict]) -> list[dict]:
    return [
        {
            "target": f"{r['name']}: median < {MAX_P50_MS} ms",
            "value": f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms",
            "pass": r["p50_ms"] < MAX_P50_MS,
        }
        for r in results
    ]


def markdown(report: dict) -> str:
    h, m, c = report["header"], report["header"]["machine"], report["compute"]
    lines = [
        f"{h['date']}, commit {m['git_commit']}: {m['cpu_model']}, {m['cores']} cores (shared with other work); "
        f"PostgreSQL {m['postgresql']}; gunicorn {h['gunicorn']['workers']} {h['gunicorn']['worker_class']} "
        f"workers. Federation staff over {report['files']:,} files.",
        "",
        f"The aggregates alone (in-process, uncached): median {c['compute_median_ms']} ms over "
        f"{COMPUTE_RUNS} runs, {c['compute_queries']} queries.",
        "",
        "| scenario | p50 ms | p99 ms | req/s | queries | app CPU ms/req | db CPU ms/req | other work | what |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    lines += results_rows(report["results"])
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['value']} | {'pass' if t['pass'] else '**fail**'} |" for t in report["targets"]]
    return "\n".join(lines) + "\n"
