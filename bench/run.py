"""`make bench`: 200,000 files on PostgreSQL, served by gunicorn, loaded with wrk. Reports, never fails a target.

    .venv/bin/python bench/run.py [--reseed] [--workers 3,5,8] [--worker-class sync|gthread]
                                  [--duration 15] [--connections 16] [--threads 2] [--only chair:list,...]

Exits non-zero only when a page answers anything but 2xx (under load or in-process): the figures
would then measure an error page. Results: bench/results/latest.json; README.md says what each is.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "hardship.settings.bench"

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402

from bench import dashboard as dashboard_bench  # noqa: E402
from bench import funds as fund_bench  # noqa: E402
from bench import visits as visit_bench  # noqa: E402
from bench.cpu import CORES, CpuMeter, children_of, wait_for_quiet  # noqa: E402
from bench.dataset import backend_pids, connect, ensure_dataset, manage  # noqa: E402
from bench.load import RESULTS, Server, gunicorn, login, wrk  # noqa: E402
from bench.scenarios import PERSONAS, Scenario, build_scenarios, count_queries  # noqa: E402
from cases.management.commands.seed_demo import DEMO_PASSWORD  # noqa: E402

LATEST = RESULTS / "latest.json"
PARTIAL = RESULTS / "partial.json"  # --only runs: latest.json keeps the last full run
README = ROOT / "bench" / "README.md"
FIGURES = re.compile(r"(<!-- figures:start -->\n).*?(<!-- figures:end -->)", re.DOTALL)
VISITS_RESULTS = RESULTS / "visits.json"
VISIT_FIGURES = re.compile(r"(<!-- visits-figures:start -->\n).*?(<!-- visits-figures:end -->)", re.DOTALL)
FUNDS_RESULTS = RESULTS / "funds.json"
FUND_FIGURES = re.compile(r"(<!-- funds-figures:start -->\n).*?(<!-- funds-figures:end -->)", re.DOTALL)
DASHBOARD_RESULTS = RESULTS / "dashboard.json"
DASHBOARD_FIGURES = re.compile(r"(<!-- dashboard-figures:start -->\n).*?(<!-- dashboard-figures:end -->)", re.DOTALL)
MAX_STATEMENT_P50_MS = 50
SEED_LIMIT_S = 180
LIST_KINDS = ("list", "deep", "filtered", "search")
MIN_LIST_RPS, MAX_LIST_P99_MS = 300, 150
DEEP_TOLERANCE = 0.20
MAX_LIST_QUERIES, MAX_FILE_QUERIES = 6, 12
MIN_ADMIN_RATIO = 5
DISTURBED_PCT = 15
MAX_REMIND_S, MAX_REMIND_RSS_MB, MAX_BOARD_P50_MS = 60, 300, 50
# --only names of the spreadsheet measurements (bench/sheets.py), and that script's steps.
SHEETS_STEPS = {"sheets:export-csv": "export_csv", "sheets:export-xlsx": "export_xlsx", "sheets:import": "import"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reseed", action="store_true", help="Rebuild hardship_bench even if it holds the dataset.")
    parser.add_argument(
        "--workers",
        default=str(2 * (os.cpu_count() or 1) + 1),
        help="gunicorn workers; a comma list (3,5,8) first measures each on the chair's list and keeps the best.",
    )
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--worker-threads", type=int, default=2, help="Threads per gthread worker.")
    parser.add_argument("--duration", type=int, default=15, help="Seconds of load per scenario.")
    parser.add_argument("--warmup", type=int, default=3, help="Seconds of unrecorded load before each scenario.")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--only", default="", help="Comma list of scenario names to run (default: all).")
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.25,
        help="Before each scenario, wait while other work keeps the machine busier than this (0..1).",
    )
    parser.add_argument("--quiet-wait", type=float, default=90, help="Longest wait for a quiet machine, seconds.")
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="Measure a scenario again (keeping the least disturbed run) when other work took over 15%% of the CPU.",
    )
    return parser.parse_args()


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0]
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        postgres = cur.fetchone()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory": meminfo.split(":", 1)[1].strip(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "git_commit": commit.stdout.strip(),
        "note": "wrk, gunicorn, PostgreSQL and Redis share these cores.",
    }


def measure(server: Server, scenario: Scenario, session: str, args: argparse.Namespace) -> dict:
    """Warm up, then measure one scenario under wrk; with the CPU each party spent on it."""
    url = server.base + scenario.path
    other_busy = wait_for_quiet(limit=args.quiet, max_wait=args.quiet_wait, log=print)
    if args.warmup:
        wrk(url, session=session, duration=args.warmup, connections=args.connections, threads=args.threads)
    with CpuMeter(children_of(server.pid), backend_pids()) as meter:
        measured = wrk(url, session=session, duration=args.duration, connections=args.connections, threads=args.threads)
    cpu, n = meter.split, max(measured.requests, 1)
    app_ms, db_ms = cpu.app_s * 1000 / n, cpu.db_s * 1000 / n
    return {
        **asdict(measured),
        "app_cpu_ms_per_req": round(app_ms, 2),
        "db_cpu_ms_per_req": round(db_ms, 2),
        "wrk_cpu_ms_per_req": round(cpu.load_s * 1000 / n, 2),
        # What the cores could serve if the app and the database had them to themselves.
        "cpu_bound_req_per_s": round(CORES * 1000 / max(app_ms + db_ms, 1e-9), 1),
        "other_work_cpu_pct": round(100 * cpu.other_s / (cpu.wall_s * CORES), 1),
        "machine_busy_before_pct": round(100 * other_busy, 1),
    }


def load(server: Server, scenario: Scenario, session: str, args: argparse.Namespace) -> dict:
    """The least disturbed of up to 1 + retries measurements: other work on a shared box skews req/s.

    A fund statement is read by one person at a time: it is measured with one connection, so its median is
    the page's own time, not time spent queueing behind other requests.
    """
    if scenario.kind == "statement":
        args = argparse.Namespace(**{**vars(args), "connections": 1, "threads": 1})
    runs = [measure(server, scenario, session, args)]
    while runs[-1]["other_work_cpu_pct"] > DISTURBED_PCT and len(runs) <= args.retries:
        print(f"   {scenario.name}: other work took {runs[-1]['other_work_cpu_pct']}% of the CPU; measuring again")
        runs.append(measure(server, scenario, session, args))
    best = min(runs, key=lambda r: r["other_work_cpu_pct"])
    return {**best, "attempts": len(runs)}


def sweep_workers(candidates: list[int], scenario: Scenario, args: argparse.Namespace) -> tuple[int, list[dict]]:
    """The worker count that serves the chair's list fastest, with every candidate's figures."""
    rows = []
    for workers in candidates:
        with gunicorn(workers=workers, worker_class=args.worker_class, threads=args.worker_threads) as server:
            result = load(server, scenario, login(server.base, scenario.persona, DEMO_PASSWORD), args)
        print(
            f"   {workers} workers: {result['requests_per_s']:7.1f} req/s  p50 {result['p50_ms']} ms"
            f"  p99 {result['p99_ms']} ms  (other work {result['other_work_cpu_pct']}% CPU)"
        )
        rows.append({"workers": workers, **result})
    best = max(rows, key=lambda r: r["requests_per_s"])
    return best["workers"], rows


def cpu_ratio(slower: dict, faster: dict) -> float:
    """How many requests of `faster` fit in the app + database CPU of one `slower` request."""
    slow = slower["app_cpu_ms_per_req"] + slower["db_cpu_ms_per_req"]
    fast = faster["app_cpu_ms_per_req"] + faster["db_cpu_ms_per_req"]
    return slow / max(fast, 1e-9)


def evaluate(results: list[dict], dataset: dict) -> list[dict]:
    """Each target with its measured value and pass/fail; reported, never enforced."""
    by_name = {r["name"]: r for r in results}
    targets = []

    def add(target: str, value: str, passed: bool) -> None:
        targets.append({"target": target, "value": value, "pass": passed})

    if "seed_total_s" in dataset:
        add(f"seeding < {SEED_LIMIT_S} s", f"{dataset['seed_total_s']} s", dataset["seed_total_s"] < SEED_LIMIT_S)
    for r in results:
        if r["kind"] in LIST_KINDS:
            add(
                f"{r['name']}: >= {MIN_LIST_RPS} req/s and p99 <= {MAX_LIST_P99_MS} ms",
                f"{r['requests_per_s']} req/s, p99 {r['p99_ms']} ms",
                r["requests_per_s"] >= MIN_LIST_RPS and r["p99_ms"] <= MAX_LIST_P99_MS,
            )
    for persona in PERSONAS:
        first, deep = by_name.get(f"{persona}:list"), by_name.get(f"{persona}:deep")
        if first and deep:
            ratio = deep["requests_per_s"] / first["requests_per_s"]
            add(
                f"{persona}: deep page within 20% of first page",
                f"{ratio:.2f}x the first page's req/s ({cpu_ratio(first, deep):.2f}x by CPU per request)",
                ratio >= 1 - DEEP_TOLERANCE,
            )
    for r in results:
        limit = MAX_LIST_QUERIES if r["kind"] in LIST_KINDS else MAX_FILE_QUERIES if r["kind"] == "file" else None
        if limit is not None:
            add(f"{r['name']}: <= {limit} queries", str(r["queries"]), r["queries"] <= limit)
        if r["kind"] != "admin" and r["unscoped_counts"]:
            add(f"{r['name']}: no unscoped COUNT(*)", "; ".join(r["unscoped_counts"]), False)
    admin = by_name.get("admin:admin")
    for persona in PERSONAS:
        first = by_name.get(f"{persona}:list")
        if first and admin:
            ratio = first["requests_per_s"] / admin["requests_per_s"]
            add(
                f"{persona}: list / admin changelist >= {MIN_ADMIN_RATIO}x",
                f"{ratio:.1f}x by req/s ({cpu_ratio(admin, first):.1f}x by CPU per request)",
                ratio >= MIN_ADMIN_RATIO,
            )
    return targets


def evaluate_visits(results: list[dict]) -> list[dict]:
    """The visits targets: the reminder run's time, memory and queries per chunk; My visits' median and queries."""
    targets = []
    for r in results:
        if r["kind"] == "remind":
            targets += [
                _target(f"reminder run < {MAX_REMIND_S} s", f"{r['wall_s']} s", r["wall_s"] < MAX_REMIND_S),
                _target(
                    f"reminder run peak RSS < {MAX_REMIND_RSS_MB} MB",
                    f"{r['peak_rss_mb']} MB",
                    r["peak_rss_mb"] < MAX_REMIND_RSS_MB,
                ),
                _target(
                    "reminder run: the same queries for every full chunk",
                    f"{r['queries_per_full_chunk']} over {r['chunks']} chunks",
                    len(r["queries_per_full_chunk"]) <= 1,
                ),
                _target("reminder run again sends nothing", str(r["rerun_dispatched"]), r["rerun_dispatched"] == 0),
                _target(
                    "every digest delivered by the worker",
                    f"{r['deliver_sent']:,} of {r['digests']:,}",
                    r["deliver_sent"] == r["digests"],
                ),
            ]
        if r["kind"] == "board":
            counts = r["queries_by_households"]
            targets += [
                _target(
                    f"My visits median < {MAX_BOARD_P50_MS} ms", f"{r['p50_ms']} ms", r["p50_ms"] < MAX_BOARD_P50_MS
                ),
                _target(
                    "My visits: the same queries for 50 and 500 households",
                    ", ".join(f"{n}: {q}" for n, q in counts.items()),
                    len(set(counts.values())) == 1,
                ),
            ]
    return targets


def _target(target: str, value: str, passed: bool) -> dict:
    return {"target": target, "value": value, "pass": passed}


def print_report(header: dict, results: list[dict], targets: list[dict]) -> None:
    m, g = header["machine"], header["gunicorn"]
    print(f"\n{m['cpu_model']}, {m['cores']} cores; gunicorn {g['workers']} {g['worker_class']} workers")
    print(
        f"{'scenario':<21}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'queries':>8}{'non-2xx':>8}"
        f"{'app CPU':>9}{'db CPU':>8}{'other':>7}  notes"
    )
    for r in results:
        print(
            f"{r['name']:<21}{r['requests_per_s']:>8.1f}{r['p50_ms']:>8.1f}{r['p99_ms']:>8.1f}"
            f"{r['queries']:>8}{r['non_2xx']:>8}{r['app_cpu_ms_per_req']:>9.1f}{r['db_cpu_ms_per_req']:>8.1f}"
            f"{r['other_work_cpu_pct']:>6.0f}%  {r['note']}{' [unscoped COUNT(*)]' if r['unscoped_counts'] else ''}"
        )
    print("(app/db CPU: milliseconds of CPU per request; other: CPU share taken by work outside the bench)")
    print("\nTargets (reported, not enforced):")
    for t in targets:
        print(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {t['value']}")


def figures_markdown(header: dict, results: list[dict], targets: list[dict]) -> str:
    """The README's "last measured figures": the run's table and targets, in Markdown."""
    m, g, w, d = header["machine"], header["gunicorn"], header["wrk"], header["dataset"]
    lines = [
        f"{header['date']}, commit {m['git_commit']}: {m['cpu_model']}, {m['cores']} cores, {m['memory']}; "
        f"PostgreSQL {m['postgresql']}; gunicorn {g['workers']} {g['worker_class']} workers; "
        f"wrk {w['threads']} threads, {w['connections']} connections, {w['duration_s']} s per scenario. "
        f"Seeding {d.get('seed_total_s', '?')} s (migrate {d.get('migrate_s', '?')} s, 200 files through the "
        f"services {d.get('seed_services_s', '?')} s, bulk {d.get('seed_bulk_s', '?')} s).",
        "",
        "| scenario | req/s | p50 ms | p99 ms | queries | non-2xx | app CPU ms/req | db CPU ms/req | other work |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| `{r['name']}` | {r['requests_per_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['queries']} | {r['non_2xx']} "
        f"| {r['app_cpu_ms_per_req']} | {r['db_cpu_ms_per_req']} | {r['other_work_cpu_pct']}% |"
        for r in results
    ]
    if header["workers_sweep"]:
        sweep = ", ".join(f"{s['workers']}: {s['requests_per_s']} req/s" for s in header["workers_sweep"])
        lines += ["", f"Workers measured on `chair:list`: {sweep}."]
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['value']} | {'pass' if t['pass'] else '**fail**'} |" for t in targets]
    return "\n".join(lines) + "\n"


def update_readme(markdown: str) -> None:
    text = README.read_text()
    if FIGURES.search(text):
        README.write_text(FIGURES.sub(lambda m: m.group(1) + markdown + m.group(2), text))


def run_visits(wanted: set[str], *, reseed: bool) -> None:
    """The visits scenarios on their own database; figures to results/visits.json and the README."""
    from django.conf import settings

    measured = visit_bench.run(
        base_url=settings.BENCH_DATABASE_URL, wanted=wanted, reseed=reseed, connect=connect, manage=manage, log=print
    )
    # A partial run (--only) keeps the other scenario's last figures.
    ran = {r["name"] for r in measured["results"]}
    measured["results"] = [r for r in previous_visits("results") if r["name"] not in ran] + measured["results"]
    targets = evaluate_visits(measured["results"])
    header = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine()}
    if measured["dataset"]["reused"]:
        measured["dataset"] |= previous_visits_seeding()
    VISITS_RESULTS.write_text(
        json.dumps({"header": header, **measured, "targets": targets}, ensure_ascii=False, indent=2) + "\n"
    )
    print("\nVisits targets (reported, not enforced):")
    for t in targets:
        print(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {t['value']}")
    text = README.read_text()
    markdown = visits_markdown(header, measured, targets)
    README.write_text(VISIT_FIGURES.sub(lambda m: m.group(1) + markdown + m.group(2), text))
    print(f"Written: {VISITS_RESULTS.relative_to(ROOT)}")


def previous_visits(key: str):
    """`dataset` or `results` of the last visits run."""
    try:
        return json.loads(VISITS_RESULTS.read_text())[key]
    except (OSError, ValueError, KeyError):
        return {} if key == "dataset" else []


def previous_visits_seeding() -> dict:
    return {k: v for k, v in previous_visits("dataset").items() if k != "reused"}


def visits_markdown(header: dict, measured: dict, targets: list[dict]) -> str:
    """The README's visits figures: the reminder run and My visits, with their targets."""
    m, d = header["machine"], measured["dataset"]
    seeding = ", ".join(f"{k.removesuffix('_s')} {v} s" for k, v in d.items() if k.endswith("_s"))
    helpers = f", {d['helpers']:,} responsible helpers" if "helpers" in d else ""
    lines = [
        f"{header['date']}, commit {m['git_commit']}: {m['cpu_model']}, {m['cores']} cores; PostgreSQL "
        f"{m['postgresql']}. {visit_bench.HOUSEHOLDS:,} filed households, {visit_bench.VISITS:,} visits"
        f"{helpers}"
        f"{f'; seeding: {seeding}' if seeding else ''}.",
        "",
    ]
    for r in measured["results"]:
        if r["kind"] == "remind":
            lines += [
                f"**Reminder run** ({r['month']}): {r['wall_s']} s wall, {r['peak_rss_mb']} MB peak RSS, "
                f"{r['digests']:,} digests written and queued for {r['households_due']:,} households due; "
                f"{r['chunks']} chunks of {r['digests_per_chunk']} digests, {r['queries_per_full_chunk']} queries "
                f"per full chunk ({r['queries_total']:,} in all). **Delivery** by one Celery worker (solo pool): "
                f"{r['deliver_sent']:,} digests e-mailed and notified in {r['deliver_wall_s']} s "
                f"({r['deliver_per_digest_ms']} ms each), {r['deliver_peak_rss_mb']} MB peak RSS. "
                f"Run again: {r['rerun_wall_s']} s, {r['rerun_dispatched']} sent. Machine load (1-minute "
                f"average, {m['cores']} cores): {r['machine_load_1m']}.",
                "",
            ]
        if r["kind"] == "board":
            counts = ", ".join(f"{n} households: {q}" for n, q in r["queries_by_households"].items())
            lines += [
                f"**My visits** (`cadre`, {r['households']} households; {r['requests']} sequential requests "
                f"in-process): p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms; Django CPU per "
                f"request p50 {r['app_cpu_p50_ms']} ms; queries {counts}. Machine load (1-minute average, "
                f"{m['cores']} cores): {r['machine_load_1m']}, {r['machine_busy_before_pct']}% busy with other work "
                f"before; the least busy of {len(r['attempts'])} attempt(s) (p50: "
                f"{', '.join(str(a['p50_ms']) + ' ms' for a in r['attempts'])}).",
                "",
            ]
    lines += ["| target | measured | |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['value']} | {'pass' if t['pass'] else '**fail**'} |" for t in targets]
    return "\n".join(lines) + "\n"


def run_funds(wanted: set[str], args: argparse.Namespace) -> int:
    """The funds scenarios: the statement over the 1,000,000-entry ledger, approval plus payment from
    concurrent clients; figures to results/funds.json and the README. Returns 1 on an error response."""
    dataset = fund_bench.ensure_ledger(log=print)
    scenarios = [s for s in fund_bench.statement_scenarios(dataset["ledger_fund"]) if s.name in wanted]
    queries = {s.name: count_queries(s) for s in scenarios}
    connection.close()
    results, approve = [], None
    workers = int(args.workers.split(",")[0])
    with gunicorn(workers=workers, worker_class=args.worker_class, threads=args.worker_threads) as server:
        for s in scenarios:
            measured = load(server, s, login(server.base, s.persona, DEMO_PASSWORD), args)
            print(f"   {s.name:<21} p50 {measured['p50_ms']} ms  p99 {measured['p99_ms']} ms  (one client)")
            results.append({"name": s.name, "path": s.path, "note": s.note, "dataset_size": s.scope_files,
                            "queries": queries[s.name].queries, "in_process_status": queries[s.name].status,
                            **measured})  # fmt: skip
        if fund_bench.APPROVE_PAY in wanted:
            print(f">> {fund_bench.APPROVE_PAY}: {fund_bench.CLIENTS} clients approve and pay against one fund")
            session = lambda: login(server.base, fund_bench.PAYER, DEMO_PASSWORD)  # noqa: E731
            approve = fund_bench.approve_and_pay(server=server, session_for=session, log=print)
    targets = [
        _target(f"{r['name']}: median < {MAX_STATEMENT_P50_MS} ms (one client)",
                f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms", r["p50_ms"] < MAX_STATEMENT_P50_MS)
        for r in results
    ] + (fund_bench.targets(approve) if approve else [])  # fmt: skip
    header = gunicorn_header(workers, args)
    report = {"header": header, "dataset": dataset, "results": results, "approve_pay": approve, "targets": targets}
    failed = publish("Funds", FUNDS_RESULTS, FUND_FIGURES, report, fund_bench.markdown(report))
    return 1 if failed or (approve and approve["non_redirect"]) else 0


def gunicorn_header(workers: int, args: argparse.Namespace) -> dict:
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
            "gunicorn": {"workers": workers, "worker_class": args.worker_class}}  # fmt: skip


def publish(label: str, path: Path, pattern: re.Pattern, report: dict, markdown: str) -> int:
    """Write a report's JSON and its README section, print its targets; 1 when a page answered an error."""
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\n{label} targets (reported, not enforced):")
    for t in report["targets"]:
        print(f"  {'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {t['value']}")
    text = README.read_text()
    README.write_text(pattern.sub(lambda m: m.group(1) + markdown + m.group(2), text))
    print(f"Written: {path.relative_to(ROOT)}")
    results = report["results"]
    return int(any(r["non_2xx"] or r["socket_errors"] or r["in_process_status"] != 200 for r in results))


def run_dashboard(wanted: set[str], args: argparse.Namespace) -> int:
    """Federation staff's dashboard over every file, cached as deployed and uncached; figures to
    results/dashboard.json and the README. Returns 1 on an error response."""
    from django.conf import settings
    from django.test import override_settings

    scenarios = [s for s in dashboard_bench.scenarios() if s.name in wanted]
    compute = dashboard_bench.compute_in_process()
    print(f"   aggregates in-process: median {compute['compute_median_ms']} ms, {compute['compute_queries']} queries")
    queries = {s.name: count_queries(s) for s in scenarios if s.name != dashboard_bench.UNCACHED}
    with override_settings(HARDSHIP={**settings.HARDSHIP, "DASHBOARD_CACHE_SECONDS": 0}):
        queries |= {s.name: count_queries(s) for s in scenarios if s.name == dashboard_bench.UNCACHED}
    connection.close()
    results = []
    workers = int(args.workers.split(",")[0])
    for s in scenarios:
        uncached = s.name == dashboard_bench.UNCACHED
        with (
            dashboard_bench.uncached_server_env() if uncached else contextlib.nullcontext(),
            gunicorn(workers=workers, worker_class=args.worker_class, threads=args.worker_threads) as server,
        ):
            session = login(server.base, s.persona, DEMO_PASSWORD)
            measured = load(server, s, session, dashboard_bench.load_args(args, s.name))
        print(f"   {s.name:<30} p50 {measured['p50_ms']} ms  p99 {measured['p99_ms']} ms  "
              f"{measured['requests_per_s']} req/s")  # fmt: skip
        results.append({"name": s.name, "path": s.path, "note": s.note, "dataset_size": s.scope_files,
                        "queries": queries[s.name].queries, "in_process_status": queries[s.name].status,
                        **measured})  # fmt: skip
    files = scenarios[0].scope_files if scenarios else 0
    report = {"header": gunicorn_header(workers, args), "files": files, "compute": compute, "results": results,
              "targets": dashboard_bench.targets(results)}  # fmt: skip
    return publish("Dashboard", DASHBOARD_RESULTS, DASHBOARD_FIGURES, report, dashboard_bench.markdown(report))


def previous_seeding() -> dict:
    """Seeding figures of the run that built the reused database, so the report keeps them."""
    try:
        old = json.loads(LATEST.read_text())["header"]["dataset"]
    except (OSError, ValueError, KeyError):
        return {}
    return {k: v for k, v in old.items() if k.startswith(("seed", "migrate"))} | {"seeded_at": old.get("seeded_at")}


def main() -> int:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    dataset = ensure_dataset(reseed=args.reseed, log=print)
    if dataset["reused"]:
        dataset |= previous_seeding()
    else:
        dataset["seeded_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    manage("collectstatic", "--noinput", "-v0")
    cache.clear()  # The bench's own Redis database: no scope or tier list left from an older dataset.

    wanted = set(args.only.split(",")) if args.only else None
    scenarios = [s for s in build_scenarios() if wanted is None or s.name in wanted]
    print(">> Queries per request (in-process, after one warm-up request)")
    queries = {s.name: count_queries(s) for s in scenarios}
    for name, q in queries.items():
        print(f"   {name:<21}{q.queries:>3} queries{'' if q.status == 200 else f'  !! status {q.status}'}")
    connection.close()  # Hold no connection while gunicorn runs, nor while the visits database is copied.

    visit_scenarios = {n for n in visit_bench.SCENARIOS if wanted is None or n in wanted}
    if visit_scenarios:
        run_visits(visit_scenarios, reseed=args.reseed or not dataset["reused"])
    fund_scenarios = {n for n in fund_bench.SCENARIOS if wanted is None or n in wanted}
    funds_failed = run_funds(fund_scenarios, args) if fund_scenarios else 0
    dashboard_scenarios = {n for n in dashboard_bench.SCENARIOS if wanted is None or n in wanted}
    if dashboard_scenarios:
        print(">> Dashboard: federation staff over every file, cached and uncached (bench/dashboard.py)")
        funds_failed |= run_dashboard(dashboard_scenarios, args)
    if wanted is None or "reports:summary" in wanted:
        print(">> Reports: the annual summary and 500 cards as one PDF (bench/reports.py, results/reports.json)")
        subprocess.run([sys.executable, str(ROOT / "bench" / "reports.py")], check=True)  # noqa: S603
    sheet_steps = [step for name, step in SHEETS_STEPS.items() if wanted is None or name in wanted]
    if sheet_steps:
        print(">> Spreadsheets: export 200,000 files, import 10,000 rows (bench/sheets.py, results/sheets.json)")
        subprocess.run([sys.executable, str(ROOT / "bench" / "sheets.py"), *sheet_steps], check=True)  # noqa: S603
    if not scenarios:
        return funds_failed

    candidates = [int(w) for w in args.workers.split(",")]
    sweep: list[dict] = []
    if len(candidates) > 1:
        print(f">> Measuring gunicorn workers {candidates} on chair:list")
        first_page = next(s for s in build_scenarios() if s.name == "chair:list")
        workers, sweep = sweep_workers(candidates, first_page, args)
    else:
        workers = candidates[0]

    results = []
    print(f">> Load: {args.duration} s per scenario, {args.connections} connections, {args.threads} wrk threads")
    with gunicorn(workers=workers, worker_class=args.worker_class, threads=args.worker_threads) as server:
        sessions = {u: login(server.base, u, DEMO_PASSWORD) for u in {s.persona for s in scenarios}}
        for s in scenarios:
            measured = load(server, s, sessions[s.persona], args)
            q = queries[s.name]
            print(
                f"   {s.name:<21}{measured['requests_per_s']:>8.1f} req/s  p99 {measured['p99_ms']} ms"
                f"  app {measured['app_cpu_ms_per_req']} ms CPU/req  other work {measured['other_work_cpu_pct']}%"
            )
            results.append(
                {
                    "name": s.name,
                    "dataset_size": dataset["files"],
                    "requests_per_s": measured.pop("requests_per_s"),
                    "p50_ms": measured.pop("p50_ms"),
                    "p99_ms": measured.pop("p99_ms"),
                    "queries": q.queries,
                    "non_2xx": measured.pop("non_2xx"),
                    "kind": s.kind,
                    "persona": s.persona,
                    "path": s.path,
                    "scope_files": s.scope_files,
                    "note": s.note,
                    "in_process_status": q.status,
                    "unscoped_counts": q.unscoped_counts,
                    **measured,
                }
            )

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n", 1)[0]
    header = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "gunicorn": {
            "workers": workers,
            "worker_class": args.worker_class,
            **({"threads": args.worker_threads} if args.worker_class == "gthread" else {}),
        },
        "workers_sweep": sweep,
        "wrk": {
            "version": wrk_version,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "threads": args.threads,
        },
        "dataset": dataset,
    }
    targets = evaluate(results, dataset)
    out = LATEST if not args.only else PARTIAL
    out.write_text(
        json.dumps({"header": header, "results": results, "targets": targets}, ensure_ascii=False, indent=2) + "\n"
    )
    print_report(header, results, targets)
    if not args.only:
        update_readme(figures_markdown(header, results, targets))
    print(f"\nWritten: {out.relative_to(ROOT)}")
    failed = [r["name"] for r in results if r["non_2xx"] or r["socket_errors"] or r["in_process_status"] != 200]
    if failed:
        print("\n" + "!" * 78 + f"\n!! NON-2XX RESPONSES OR SOCKET ERRORS: {', '.join(failed)}")
        print(f"!! The figures above measure error pages. See {RESULTS}/gunicorn-*.log\n" + "!" * 78)
        return 1
    return funds_failed


if __name__ == "__main__":
    sys.exit(main())
