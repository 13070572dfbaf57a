"""Spreadsheets benchmark: export of the file list at 200,000 rows, and import of 10,000 rows.

Runs on `hardship_bench` (200,000 files; never reseeded here) and leaves it as it was: the import
runs inside a transaction that is rolled back at the end (the dry run rolls back by itself).
Each measurement runs in a subprocess, so its peak memory (ru_maxrss) is its own.

    make bench BENCH_ARGS="--only sheets:export,sheets:import"   (bench/run.py calls this script)
    flock /tmp/bench.lock .venv/bin/python bench/sheets.py [export|import ...]

- export: federation staff export every file of the federation (status "all": 200,000 rows) as CSV
  and as XLSX through the real view (the same filter form, scoping and masks as the page); the body is
  read to the end and thrown away, as a client downloading it would. Time, bytes, queries, peak memory.
- import: cadre 张伟 (铸造小组) imports 10,000 rows (5,000 households of a worker and one member) as
  XLSX: the dry run, then the import (the same run, committed), each timed in rows per second.

Figures go to bench/results/sheets.json and bench/README.md.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "sheets.json"
README = ROOT / "bench" / "README.md"
FIGURES = re.compile(r"(<!-- sheets-figures:start -->\n).*?(<!-- sheets-figures:end -->)", re.DOTALL)
IMPORT_HOUSEHOLDS = 5_000  # a worker's row and a member's row each: 10,000 rows
STEPS = ("export_csv", "export_xlsx", "import")


def _env() -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "hardship.settings.bench", "BENCH_CACHE_PREFIX": "bench-sheets"}


def _child(step: str) -> tuple[dict, float]:
    """Run one step in a subprocess: its JSON result and its peak RSS in MB."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        child = subprocess.Popen([sys.executable, __file__, step, out.name], cwd=ROOT, env=_env())  # noqa: S603
        _pid, status, usage = os.wait4(child.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"bench/sheets.py {step} failed")
        return json.loads(Path(out.name).read_text()), round(usage.ru_maxrss / 1024, 1)


def main(steps: list[str]) -> int:
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True)  # noqa: S603
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    result = {**old, "machine": {"cpus": os.cpu_count(), "load_average_before": os.getloadavg()}}
    for step in steps:
        print(f">> sheets: {step}")
        figures, rss = _child(step)
        result[step] = {**figures, "peak_rss_mb": rss}
        print(json.dumps(result[step], indent=2))
    result["machine"]["load_average_after"] = os.getloadavg()
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    text = README.read_text()
    if FIGURES.search(text):
        README.write_text(FIGURES.sub(lambda m: m.group(1) + markdown(result) + m.group(2), text))
    return 0


def markdown(r: dict) -> str:
    lines = ["| measurement | rows | time | rate | peak memory | queries |", "|---|--:|--:|--:|--:|--:|"]
    for step in ("export_csv", "export_xlsx"):
        if step in r:
            m = r[step]
            lines.append(
                f"| export, {m['format'].upper()} ({m['bytes'] / 1e6:.1f} MB) | {m['rows']:,} | {m['seconds']} s "
                f"| {m['rows_per_s']:,} rows/s | {m['peak_rss_mb']} MB | {m['queries']} |"
            )
    if "import" in r:
        m = r["import"]
        for phase in ("check", "import"):
            p = m[phase]
            lines.append(
                f"| import {phase} (XLSX, {m['households']:,} households) | {m['rows']:,} | {p['seconds']} s "
                f"| {p['rows_per_s']:,} rows/s | {m['peak_rss_mb']} MB | {p['queries']:,} |"
            )
    load = r.get("machine", {})
    lines.append("")
    lines.append(
        f"Load average before/after: {', '.join(str(round(x, 2)) for x in load.get('load_average_before', []))} / "
        f"{', '.join(str(round(x, 2)) for x in load.get('load_average_after', []))} on {load.get('cpus')} cores "
        "(a shared machine: other engineers' tests ran at the same time)."
    )
    return "\n".join(lines) + "\n"


# --- the child side: each step with Django set up on the bench database ---------------------------


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def export(fmt: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import RequestFactory
    from django.utils import translation

    from sheets.views import export_files

    user = get_user_model().objects.get(username="federation")
    request = RequestFactory().get("/sheets/files/", {"format": fmt, "status": "all"})
    request.user = user
    counter = _Counter()
    translation.activate("zh-hans")
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        response = export_files(request)
        first_byte = time.perf_counter() - started
        size = rows = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            if fmt == "csv":
                rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    if fmt == "xlsx":
        rows = _xlsx_rows(response)
    else:
        rows -= 1  # the header
    return {
        "format": fmt,
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 1),
        "first_byte_s": round(first_byte, 2),
        "rows_per_s": int(rows / seconds),
        "queries": counter.n,
    }


def _xlsx_rows(response) -> int:
    # Counted from the file the response streamed (its spool is still open): the rows of the first sheet.
    import zipfile

    from sheets.models import ImportJob  # noqa: F401 - the app is loaded

    spool = response.file_to_stream
    spool.seek(0)
    with zipfile.ZipFile(spool) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        return sum(chunk.count(b"<row ") for chunk in iter(lambda: sheet.read(1 << 20), b"")) - 1


def _import_sheet() -> bytes:
    import datetime as dt
    import io
    import random

    from django.utils import translation
    from openpyxl import Workbook

    from cases.demo import resident_id
    from sheets.columns import BY_KEY

    rng = random.Random(7)  # noqa: S311 - benchmark data
    book = Workbook(write_only=True)
    sheet = book.create_sheet("导入")
    keys = ("unit", "household", "relation", "name", "id_number", "age", "monthly_income", "causes")
    with translation.override("zh-hans"):
        sheet.append([str(BY_KEY[k].label) for k in keys])
    for i in range(IMPORT_HOUSEHOLDS):
        # Born 1940-1953, one a day: the bench dataset's workers were born 1962-2000, so no number is on file.
        worker = resident_id(i, birth=dt.date(1940, 1, 1) + dt.timedelta(days=i))
        income, member_income = str(rng.randint(800, 3000)), str(rng.randint(0, 1500))
        sheet.append(["铸造小组", "", "本人", f"导入{i}", worker, "", income, "大病，收入低"])
        sheet.append(["铸造小组", worker, "配偶", f"导入{i}家属", "", rng.randint(25, 70), member_income, ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_rows() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import override_settings
    from django.utils import translation

    from cases.models import HardshipFile
    from sheets.importer import run_import
    from sheets.reader import read_sheet

    content = _import_sheet()
    user = get_user_model().objects.get(username="cadre")
    translation.activate("zh-hans")
    before = HardshipFile.objects.count()
    phases = {}
    with override_settings(HARDSHIP={**__import__("django.conf").conf.settings.HARDSHIP, "IMPORT_MAX_ROWS": 20_000}):
        for phase, commit in (("check", False), ("import", True)):
            counter = _Counter()
            started = time.perf_counter()
            with connection.execute_wrapper(counter), transaction.atomic():
                sheet = read_sheet(content, "bench.xlsx")
                read_s = time.perf_counter() - started
                result = run_import(sheet=sheet, user=user, commit=commit)
                seconds = time.perf_counter() - started
                created = HardshipFile.objects.count() - before
                transaction.set_rollback(True)  # leave hardship_bench as it was
            assert not result.errors, result.errors[:5]
            phases[phase] = {
                "seconds": round(seconds, 1),
                "read_s": round(read_s, 2),
                "rows_per_s": int(len(sheet.rows) / seconds),
                "households_per_s": round(IMPORT_HOUSEHOLDS / seconds, 1),
                "queries": counter.n,
                "files_created_then_rolled_back": created,
            }
    assert HardshipFile.objects.count() == before
    return {"rows": 2 * IMPORT_HOUSEHOLDS, "households": IMPORT_HOUSEHOLDS, "bytes": len(content), **phases}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in STEPS:
        _setup()
        step = sys.argv[1]
        figures = export(step.split("_")[1]) if step.startswith("export") else import_rows()
        Path(sys.argv[2]).write_text(json.dumps(figures))
        sys.exit(0)
    wanted = [s for s in sys.argv[1:] if s in STEPS] or list(STEPS)
    sys.exit(main(wanted))
