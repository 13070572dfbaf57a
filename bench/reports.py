"""Reports benchmark: the annual summary over 200,000 files, 2,000,000 visits and 1,000,000 ledger entries,
and a batch of 500 hardship cards as one PDF.

It runs on a database of its own, `hardship_bench_reports`: a copy of the visits benchmark's
database (`hardship_bench_visits`, which `make bench` builds first: 200,000 filed households,
2,000,000 visits over 14 months)
to which it adds 100 funds and 500,000 ledger transactions (1,000,000 entries) over the last
two years, by COPY. Each measurement runs in a subprocess, so its peak memory is its own.

    make bench BENCH_ARGS="--only visits:remind,reports:summary"   (bench/run.py calls this script)
    flock /tmp/bench.lock .venv/bin/python bench/reports.py [--reseed]

Figures go to bench/results/reports.json. Targets (issue 6): aggregation under 3 s, the PDF
under 10 s, peak memory under 500 MB.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hardship_bench")
BASE_URL, BENCH_NAME = BENCH_URL.rsplit("/", 1)[0] + "/", BENCH_URL.rsplit("/", 1)[1]
TEMPLATE, NAME = f"{BENCH_NAME}_visits", f"{BENCH_NAME}_reports"
TRANSACTIONS, FUNDS, CARDS = 500_000, 100, 500
AGGREGATION_RUNS = 5
RESULTS = ROOT / "bench" / "results" / "reports.json"


def _env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hardship.settings.bench",
        "BENCH_DATABASE_URL": BASE_URL + NAME,
        "BENCH_CACHE_PREFIX": "bench-reports",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="bench-reports-"),
    }


def _child(step: str) -> tuple[dict, float]:
    """Run one step in a subprocess: its JSON result and its peak RSS in MB."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        child = subprocess.Popen([sys.executable, __file__, step, out.name], cwd=ROOT, env=_env())  # noqa: S603
        _pid, status, usage = os.wait4(child.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"bench/reports.py {step} failed")
        return json.loads(Path(out.name).read_text()), round(usage.ru_maxrss / 1024, 1)


def _psql(dbname: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(BASE_URL + dbname)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def _ready() -> bool:
    import psycopg2

    try:
        conn = psycopg2.connect(BASE_URL + NAME)
    except psycopg2.OperationalError:
        return False
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM funds_entry")
        entries = cur.fetchone()[0]
    conn.close()
    return entries >= 2 * TRANSACTIONS


def ensure_database(reseed: bool) -> dict:
    if not reseed and _ready():
        print(f">> Reusing {NAME}")
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True)  # noqa: S603
        return {"reused": True}
    started = time.perf_counter()
    _psql("postgres", f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    _psql("postgres", f'CREATE DATABASE "{NAME}" TEMPLATE "{TEMPLATE}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True)  # noqa: S603
    seeded, _rss = _child("seed")
    return {"reused": False, "build_s": round(time.perf_counter() - started, 1), **seeded}


def main() -> int:
    reseed = "--reseed" in sys.argv
    dataset = ensure_database(reseed)
    # Production settings: `{% static %}` needs the collected files' manifest (bench/.staticfiles).
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=_env(), check=True)  # noqa: S603
    print(">> Annual summary: aggregation, then the whole report (fingerprint, figures, HTML, PDF, storage)")
    summary, summary_rss = _child("summary")
    print(">> 500 hardship cards as one PDF")
    cards, cards_rss = _child("cards")
    result = {
        "dataset": dataset,
        "summary": {**summary, "peak_rss_mb": summary_rss},
        "cards": {**cards, "peak_rss_mb": cards_rss},
        "targets": {
            "aggregation under 3 s": summary["aggregation_s"] < 3,
            "PDF under 10 s": summary["pdf_s"] < 10,
            "peak memory under 500 MB": summary_rss < 500,
        },
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


# --- the child side: each step with Django set up on the reports database ---------------------------


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(transactions: int = TRANSACTIONS, fund_count: int = FUNDS) -> dict:
    """100 funds on the units below the federation, and 500,000 allocations and payments over two years, with
    each fund's year totals (money in, money out, paid out) as the ledger services keep them."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from bench.funds import YearTotals
    from funds.models import Fund, FundBalance, FundKind, FundYearTotal
    from funds.services import Leg
    from org.models import Unit

    started = time.perf_counter()
    rng = random.Random(6)  # noqa: S311 - benchmark data
    units = list(Unit.objects.exclude(parent=None).order_by("path")[:fund_count])
    kind = FundKind.objects.order_by("order").first()
    funds = Fund.objects.bulk_create(
        [Fund(unit=u, kind=kind, name=f"帮扶资金{i}") for i, u in enumerate(units * (fund_count // len(units) + 1))][
            :fund_count
        ]
    )
    FundBalance.objects.bulk_create([FundBalance(fund=f) for f in funds])
    actor = get_user_model().objects.order_by("pk").first().pk
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM funds_ledgertransaction")
        first_tx = cur.fetchone()[0] + 1
        cur.execute("SELECT coalesce(max(id), 0) FROM funds_entry")
        first_entry = cur.fetchone()[0] + 1
    txs, entries = StringIO(), StringIO()
    totals = YearTotals()
    entry_id = first_entry
    for i in range(transactions):
        tx_id = first_tx + i
        fund = rng.choice(funds).pk
        at = now - dt.timedelta(seconds=rng.randint(0, 730 * 86400))
        amount = rng.randint(100, 20000)
        paid = i % 5 >= 3  # two in five are payments out of the reserve
        kind_name, source = ("disbursement", "") if paid else ("allocation", "finance")
        txs.write(f"{tx_id}\t{kind_name}\tbench\t{source}\t{actor}\t{at.isoformat()}\tbench-{tx_id}\n")
        legs = (("reserved", -amount), ("paid_out", amount)) if paid else (("income", -amount), ("available", amount))
        for account, value in legs:
            entries.write(f"{entry_id}\t{tx_id}\t{fund}\t{account}\t{value}.00\t0\t0\n")
            entry_id += 1
        totals.add(kind_name, at, [Leg(fund, account, Decimal(value)) for account, value in legs])
    txs.seek(0)
    entries.seek(0)
    with connection.cursor() as cur:
        columns = ("id", "kind", "memo", "source", "actor_id", "created_at", "idempotency_key")
        cur.copy_from(txs, "funds_ledgertransaction", columns=columns)
        columns = ("id", "transaction_id", "fund_id", "account", "amount", "available_after", "reserved_after")
        cur.copy_from(entries, "funds_entry", columns=columns)
        for table in ("funds_ledgertransaction", "funds_entry"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")  # noqa: S608
        cur.execute("ANALYZE funds_entry; ANALYZE funds_ledgertransaction")
    FundYearTotal.objects.bulk_create(totals.rows())
    return {
        "seed_s": round(time.perf_counter() - started, 1),
        "transactions": transactions,
        "entries": entry_id - first_entry,
    }


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def summary() -> dict:
    from django.db import connection
    from django.utils import timezone

    from cases.models import HardshipFile
    from funds.models import Entry
    from org.models import Role, Unit
    from reports.annual import annual_figures
    from reports.models import Report
    from reports.services import report_generate, report_request

    root = Unit.objects.filter(parent=None).order_by("pk").first()
    year = timezone.localdate().year
    counter = _Counter()
    runs = []
    # The first run pays for the cold connection, plans and pages; the figure is the median of the next five.
    for attempt in range(1 + AGGREGATION_RUNS):
        started = time.perf_counter()
        if attempt == 0:
            with connection.execute_wrapper(counter):
                annual_figures(unit=root, year=year)
        else:
            annual_figures(unit=root, year=year)
        runs.append(time.perf_counter() - started)
    aggregation = statistics.median(runs[1:])
    user = root.memberships.filter(role=Role.FEDERATION_STAFF).first().user
    report, _reused = report_request(
        user=user, kind="annual_summary", unit=root, params={"year": year}, regenerate=True
    )
    started = time.perf_counter()
    report_generate(report_id=report.pk)
    whole = time.perf_counter() - started
    report = Report.objects.get(pk=report.pk)
    return {
        "files": HardshipFile.objects.count(),
        "visits": __import__("visits.models", fromlist=["Visit"]).Visit.objects.count(),
        "ledger_entries": Entry.objects.count(),
        "year": year,
        "aggregation_s": round(aggregation, 2),
        "aggregation_first_s": round(runs[0], 2),
        "aggregation_runs_s": [round(r, 2) for r in runs[1:]],
        "aggregation_queries": counter.n,
        "report_s": round(whole, 2),
        # The whole report computes the figures again: what is left is the HTML and the PDF.
        "pdf_s": round(max(whole - aggregation, 0), 2),
        "status": report.status,
        "pages": report.pages,
        "pdf_kb": round(report.size / 1024, 1),
    }


def cards() -> dict:
    from django.db import connection
    from django.template.loader import render_to_string

    from cases.models import HardshipFile
    from hardship.pdf import render_pdf
    from reports.kinds.documents import card_build
    from reports.models import Report
    from reports.services import _page_context

    ids = list(HardshipFile.objects.order_by("pk").values_list("pk", flat=True)[:CARDS])
    started = time.perf_counter()
    bodies = []
    for pk in ids:
        hfile = HardshipFile.objects.select_related("unit").get(pk=pk)
        report = Report(kind="hardship_card", unit=hfile.unit, params={"pk": pk}, language="zh-hans", title="bench")
        bodies.append(render_to_string("pdf/includes/card_body.html", card_build(report, lambda pct: None)))
    built = time.perf_counter() - started
    page = _page_context(Report(unit=HardshipFile.objects.get(pk=ids[0]).unit, title="500", language="zh-hans"))
    html = render_to_string("pdf/base.html", page).replace(
        "</body>", '<div class="page-break"></div>'.join(bodies) + "</body>"
    )
    started = time.perf_counter()
    rendered = render_pdf(html)
    render = time.perf_counter() - started
    connection.close()
    return {
        "cards": len(ids),
        "context_s": round(built, 1),
        "pdf_s": round(render, 1),
        "pages": rendered.pages,
        "pages_per_s": round(rendered.pages / render, 1),
        "pdf_mb": round(len(rendered.content) / 1024 / 1024, 1),
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("seed", "summary", "cards"):
        _setup()
        from django.utils import translation

        translation.activate("zh-hans")
        outcome = {"seed": seed, "summary": summary, "cards": cards}[sys.argv[1]]()
        Path(sys.argv[2]).write_text(json.dumps(outcome))
    else:
        sys.exit(main())
