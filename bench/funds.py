"""Funds under load: a statement over 1,000,000 ledger entries, and approval plus payment from 8 clients.

`ensure_ledger` gives one federation fund a ledger of LEDGER_ENTRIES entries,
written by COPY as the ledger services would have written them: balanced
transactions (allocations, reservations, disbursements), running balances
that never go below zero, the balance row equal to the sum of the entries and
the paid-out total of each year beside them.
Nothing is disabled: COPY only inserts, and the append-only triggers refuse
UPDATE and DELETE, never INSERT; every CHECK and foreign key holds as usual.

`approve_and_pay` makes ROUNDS x CLIENTS submitted aid requests against one
group fund that holds money for only part of them, then lets CLIENTS HTTP
clients (one thread each, a logged-in branch chair session each) approve and
pay their share through gunicorn, and checks the ledger afterwards.
"""

import datetime as dt
import io
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from bench.load import Server
from bench.scenarios import Scenario
from cases.models import HardshipFile
from cases.workflow import FileStatus
from funds.models import (
    Account,
    AidDecision,
    AidRequest,
    AidType,
    Entry,
    Fund,
    FundBalance,
    FundKind,
    FundYearTotal,
    LedgerTransaction,
    TransactionKind,
    moves_money,
)
from funds.services import Leg, fund_allocate, fund_create
from funds.services.ledger import YEAR_TOTAL_FIELDS, year_total_changes
from funds.workflow import AidAction, AidStatus
from hardship.money import MoneySum
from org.models import Role, Unit

LEDGER_ENTRIES = 1_000_000
LEDGER_FUND = "基准测试账本"
BATCH_TXNS = 50_000
# Money comes in whenever what is available could not cover the largest aid; the rest reserves and pays aid.
ALLOCATION, LARGEST_AID = Decimal("150000.00"), Decimal("5000.00")
DEEP_POSITION = 500_000
CLIENTS, ROUNDS = 8, 50
AID = Decimal("1500.00")
# The throughput fund holds money for this share of the requests: the rest must be refused, never overdrawn.
FUNDED_SHARE = Decimal("0.75")
PAYER = "chair"
APPROVE_PAY = "funds:approve-pay"
SCENARIOS = ("funds:statement", "funds:statement-deep", APPROVE_PAY)


def _staff():
    return get_user_model().objects.get(username="federation")


def _ledger_fund(federation: Unit) -> Fund:
    fund = Fund.objects.filter(unit=federation, name=LEDGER_FUND).first()
    kind = FundKind.objects.get(code="special")
    return fund or fund_create(unit=federation, kind=kind, name=LEDGER_FUND, by=_staff())


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    text = "\n".join("\t".join("\\N" if v is None else str(v) for v in row) for row in rows) + "\n"
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))


def _next_ids(cursor, table: str, n: int) -> list[int]:
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [n])  # noqa: S608
    return [pk for (pk,) in cursor.fetchall()]


TXN_COLUMNS = ["id", "kind", "memo", "source", "actor_id", "created_at", "idempotency_key", "reverses_id",
               "cause_type_id", "cause_id"]  # fmt: skip
ENTRY_COLUMNS = ["id", "transaction_id", "fund_id", "account", "amount", "available_after", "reserved_after"]


class YearTotals:
    """Each fund's `FundYearTotal` for ledger rows written by COPY, added up by the service's own rule
    (`year_total_changes`, the transaction's local year); bench/reports.py seeds with it too."""

    def __init__(self) -> None:
        self.totals: dict[tuple[int, int], dict[str, Decimal]] = {}

    def add(self, kind: str, created: dt.datetime, legs: list[Leg]) -> None:
        year = timezone.localtime(created).year
        for fund_id, change in year_total_changes(legs, moved=moves_money(kind, None)).items():
            total = self.totals.setdefault((fund_id, year), dict.fromkeys(YEAR_TOTAL_FIELDS, Decimal("0.00")))
            for name, amount in change.items():
                total[name] += amount

    def rows(self) -> list[FundYearTotal]:
        return [FundYearTotal(fund_id=fund, year=year, **total) for (fund, year), total in self.totals.items()]


class _Ledger:
    """The running balances while transactions are generated, as the services keep them."""

    def __init__(self, fund_id: int, actor_id: int, start: dt.datetime, step: dt.timedelta) -> None:
        self.fund_id, self.actor_id, self.start, self.step = fund_id, actor_id, start, step
        self.available = self.reserved = Decimal("0.00")
        self.rng = random.Random(2025)
        self.pending: Decimal | None = None  # a reservation waiting for its disbursement
        self.year_totals = YearTotals()  # what funds.services.ledger keeps in FundYearTotal

    def transaction(self, n: int, txn_id: int, entry_ids: list[int]) -> tuple[tuple, list[tuple]]:
        """The n-th transaction: (its row, its two entries' rows)."""
        if self.pending is None and self.available < LARGEST_AID:
            kind, source, legs = TransactionKind.ALLOCATION, "finance", [(Account.INCOME, -ALLOCATION),
                                                                        (Account.AVAILABLE, ALLOCATION)]  # fmt: skip
        elif self.pending is None:
            self.pending = Decimal(self.rng.randrange(50000, int(LARGEST_AID * 100))) / 100
            kind, source = TransactionKind.RESERVATION, ""
            legs = [(Account.AVAILABLE, -self.pending), (Account.RESERVED, self.pending)]
        else:
            kind, source, legs = TransactionKind.DISBURSEMENT, "", [(Account.RESERVED, -self.pending),
                                                                   (Account.PAID_OUT, self.pending)]  # fmt: skip
            self.pending = None
        created = self.start + self.step * n
        self.year_totals.add(kind, created, [Leg(self.fund_id, account, amount) for account, amount in legs])
        txn = (txn_id, kind, "基准", source, self.actor_id, created.isoformat(), f"bench-ledger-{txn_id}",
               None, None, None)  # fmt: skip
        entries = []
        for entry_id, (account, amount) in zip(entry_ids, legs, strict=True):
            if account == Account.AVAILABLE:
                self.available += amount
            elif account == Account.RESERVED:
                self.reserved += amount
            assert self.available >= 0 and self.reserved >= 0  # noqa: S101 - the generator never overdraws
            entries.append((entry_id, txn_id, self.fund_id, account, amount, self.available, self.reserved))
        return txn, entries


def write_ledger(fund: Fund, *, txns: int, start: dt.datetime, end: dt.datetime, log: Callable[[str], None]) -> None:
    """`txns` transactions on `fund` spread evenly from `start` to `end`, written by COPY, then the fund's balance
    row and year totals as the services would have left them."""
    ledger = _Ledger(fund.pk, _staff().pk, start, (end - start) / txns)
    for first in range(0, txns, BATCH_TXNS):
        n = min(BATCH_TXNS, txns - first)
        with transaction.atomic(), connection.cursor() as cursor:
            txn_ids = _next_ids(cursor, "funds_ledgertransaction", n)
            entry_ids = _next_ids(cursor, "funds_entry", 2 * n)
            txn_rows, entry_rows = [], []
            for i, txn_id in enumerate(txn_ids):
                txn, entries = ledger.transaction(first + i, txn_id, entry_ids[2 * i : 2 * i + 2])
                txn_rows.append(txn)
                entry_rows += entries
            _copy(cursor, "funds_ledgertransaction", TXN_COLUMNS, txn_rows)
            _copy(cursor, "funds_entry", ENTRY_COLUMNS, entry_rows)
        log(f"   ledger: {first + n:,} transactions")
    FundBalance.objects.filter(fund=fund).update(available=ledger.available, reserved=ledger.reserved)
    FundYearTotal.objects.bulk_create(ledger.year_totals.rows())


def ensure_ledger(*, log: Callable[[str], None]) -> dict:
    """The bench ledger fund with LEDGER_ENTRIES entries: reused when present, else written by COPY."""
    federation = Unit.objects.get(parent=None, name_zh="示范市总工会")
    fund = _ledger_fund(federation)
    have = Entry.objects.filter(fund=fund).count()
    if have >= LEDGER_ENTRIES:
        log(f">> Reusing the ledger of fund {fund.pk}: {have:,} entries.")
        return {"ledger_fund": fund.pk, "ledger_entries": have, "ledger_reused": True}
    if have:
        raise SystemExit(f"!! Fund {fund.pk} holds {have:,} entries, not {LEDGER_ENTRIES:,}: rerun with --reseed.")
    started = time.perf_counter()
    now = timezone.now()
    write_ledger(fund, txns=LEDGER_ENTRIES // 2, start=now - dt.timedelta(days=3 * 365), end=now, log=log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE funds_entry")
        cursor.execute("ANALYZE funds_ledgertransaction")
    seconds = round(time.perf_counter() - started, 1)
    log(f"   ledger: {LEDGER_ENTRIES:,} entries in {seconds} s")
    return {"ledger_fund": fund.pk, "ledger_entries": LEDGER_ENTRIES, "ledger_seed_s": seconds, "ledger_reused": False}


def statement_scenarios(fund_pk: int) -> list[Scenario]:
    """The statement's first page and a page half a million entries deep, as federation staff see them."""
    held = Entry.objects.held().filter(fund_id=fund_pk).order_by("-id").values_list("pk", flat=True)
    total = Entry.objects.held().filter(fund_id=fund_pk).count()
    position = min(DEEP_POSITION, total - 30)
    deep = held[position]
    note = f"{total:,} entries on held accounts"
    return [
        Scenario("funds:statement", "statement", "federation", f"/funds/{fund_pk}/", total, f"first page, {note}"),
        Scenario(
            "funds:statement-deep",
            "statement",
            "federation",
            f"/funds/{fund_pk}/?after={deep}",
            total,
            f"keyset page after entry {position:,}",
        ),  # fmt: skip
    ]


# --- approval plus payment from concurrent clients ------------------------------------------------


def _throughput_fund(group: Unit) -> Fund:
    name = f"基准审批资金 {timezone.now():%Y%m%d%H%M%S}"
    return fund_create(unit=group, kind=FundKind.objects.get(code="special"), name=name, by=_staff())


def prepare_requests(*, n: int) -> tuple[Fund, list[int]]:
    """n submitted medical requests of the chair's branch against a fresh fund holding money for some of them.

    The rows are what aid_request_create and aid_request_submit write (request, submit decision), made in bulk.
    """
    chair = get_user_model().objects.get(username=PAYER)
    branch = Unit.objects.get(memberships__user=chair, memberships__role=Role.BRANCH_CHAIR)
    cadre = get_user_model().objects.get(username="cadre")
    group = Unit.objects.get(memberships__user=cadre, memberships__role=Role.CADRE)
    fund = _throughput_fund(group)
    held = (AID * n * FUNDED_SHARE).quantize(Decimal("0.01"))
    fund_allocate(fund=fund, amount=held, source="finance", by=_staff(), idempotency_key=f"bench-{fund.pk}")
    helped = Q(plan__helpers__user=chair)
    households = list(
        HardshipFile.objects.filter(unit=group, status=FileStatus.FILED).exclude(helped).values_list("pk", flat=True)
    )
    medical = AidType.objects.get(code="medical")
    rows = [
        AidRequest(file_id=households[i % len(households)], federation_id=group.root_id, aid_type=medical, fund=fund,
                   status=AidStatus.IN_APPROVAL, level=1, approver_role=Role.BRANCH_CHAIR, approver_unit=branch,
                   requested_amount=AID, suggested_amount=AID, justification="基准", created_by=cadre)
        for i in range(n)
    ]  # fmt: skip
    with transaction.atomic():
        made = AidRequest.objects.bulk_create(rows)
        AidDecision.objects.bulk_create(
            AidDecision(request=r, action=AidAction.SUBMIT, level=1, from_status=AidStatus.DRAFT,
                        to_status=AidStatus.IN_APPROVAL, actor=cadre)
            for r in made
        )  # fmt: skip
    return fund, [r.pk for r in made]


class _Client:
    """One browser-like client: a session cookie, the CSRF token, and POSTs that do not follow redirects."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, session: str) -> None:
        self.base, self.session = base, session
        self.opener = urllib.request.build_opener(self._NoRedirect)
        page = self._open(urllib.request.Request(f"{base}/funds/aid/", headers=self._headers()))
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page[1]).group(1) if page[1] else ""
        self.cookie = next((v for k, v in page[2] if k == "Set-Cookie" and v.startswith("csrftoken=")), "")
        self.csrf_cookie = self.cookie.split(";", 1)[0].split("=", 1)[1] if self.cookie else ""

    def _headers(self) -> dict:
        cookies = f"sessionid={self.session}" + (f"; csrftoken={self.csrf_cookie}" if getattr(self, "csrf_cookie", "")
                                                 else "")  # fmt: skip
        return {"Cookie": cookies}

    def _open(self, request: urllib.request.Request) -> tuple[int, str, list]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), response.getheaders()
        except urllib.error.HTTPError as exc:  # a 302 (not followed) lands here too
            return exc.code, "", list(exc.headers.items())

    def post(self, path: str, data: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}).encode()
        headers = {**self._headers(), "Referer": self.base + path, "Content-Type": "application/x-www-form-urlencoded"}
        status, _text, headers_out = self._open(urllib.request.Request(self.base + path, data=body, headers=headers))
        return status, dict(headers_out).get("Location", "")


def approve_and_pay(*, server: Server, session_for: Callable[[], str], log: Callable[[str], None]) -> dict:
    """CLIENTS clients each approve then pay ROUNDS requests through gunicorn; the ledger is checked afterwards."""
    fund, pks = prepare_requests(n=CLIENTS * ROUNDS)
    held = FundBalance.objects.get(fund=fund).available
    connection.close()
    clients = [_Client(server.base, session_for()) for _ in range(CLIENTS)]
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    statuses: list[list[int]] = [[] for _ in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def run(c: int) -> None:
        barrier.wait()
        for pk in pks[c::CLIENTS]:
            for path, data in ((f"/funds/aid/{pk}/decide/approve/", {"comment": ""}),
                               (f"/funds/aid/{pk}/pay/", {"key": f"bench-{pk}"})):  # fmt: skip
                started = time.perf_counter()
                status, _location = clients[c].post(path, data)
                latencies[c].append((time.perf_counter() - started) * 1000)
                statuses[c].append(status)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    all_ms = sorted(ms for per in latencies for ms in per)
    requests = len(all_ms)
    result = {
        "name": "funds:approve-pay",
        "clients": CLIENTS,
        "aid_requests": len(pks),
        "http_requests": requests,
        "wall_s": round(wall, 2),
        "requests_per_s": round(requests / wall, 1),
        "approve_pay_pairs_per_s": round(len(pks) / wall, 1),
        "p50_ms": round(all_ms[len(all_ms) // 2], 1),
        "p99_ms": round(all_ms[min(len(all_ms) - 1, int(len(all_ms) * 0.99))], 1),
        "non_redirect": sum(1 for per in statuses for s in per if s != 302),
        "fund_held": str(held),
        **ledger_check(fund, pks),
    }
    log(
        f"   funds:approve-pay  {result['requests_per_s']} HTTP req/s ({result['approve_pay_pairs_per_s']} "
        f"approve+pay/s), p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; paid {result['paid']}, "
        f"refused {result['refused']}, overdraft {result['overdraft']}, unbalanced {result['unbalanced_transactions']}"
    )
    return result


def ledger_check(fund: Fund, pks: list[int]) -> dict:
    """After the run: what was paid, that nothing overdrew, every transaction balances, nobody was paid twice."""
    requests = AidRequest.objects.filter(pk__in=pks)
    paid = requests.filter(status=AidStatus.PAID).count()
    balance = FundBalance.objects.get(fund=fund)
    sums = dict(Entry.objects.filter(fund=fund).values("account").annotate(s=MoneySum("amount")).values_list(
        "account", "s"))  # fmt: skip
    paid_out = sums.get(Account.PAID_OUT) or Decimal("0")
    years = fund.year_totals.all()
    touched = LedgerTransaction.objects.filter(entries__fund=fund).values("pk")
    unbalanced = (
        Entry.objects.filter(transaction__in=touched).values("transaction").annotate(s=MoneySum("amount")).exclude(s=0)
    )
    twice = (
        LedgerTransaction.objects.filter(kind=TransactionKind.DISBURSEMENT, cause_id__in=pks)
        .values("cause_id").annotate(n=Count("pk")).filter(n__gt=1)
    )  # fmt: skip
    return {
        "paid": paid,
        "refused": requests.filter(status=AidStatus.IN_APPROVAL).count(),
        "paid_total": str(paid_out),
        "overdraft": balance.available < 0 or balance.reserved < 0 or paid_out > AID * len(pks) * FUNDED_SHARE,
        "balance_matches_entries": balance.available == (sums.get(Account.AVAILABLE) or 0)
        and balance.reserved == (sums.get(Account.RESERVED) or 0),
        "unbalanced_transactions": unbalanced.count(),
        "paid_twice": twice.count(),
        "year_total_matches_entries": sum(t.paid_out for t in years) == paid_out
        and sum(t.money_in + t.money_out for t in years) == balance.total,
    }


def targets(approve: dict) -> list[dict]:
    """Approval plus payment from concurrent clients: the ledger must come out whole."""
    whole = not approve["overdraft"] and not approve["unbalanced_transactions"] and not approve["paid_twice"]
    value = (
        f"{approve['requests_per_s']} req/s; overdraft {approve['overdraft']}, unbalanced "
        f"{approve['unbalanced_transactions']}, paid twice {approve['paid_twice']}, balance = entries "
        f"{approve['balance_matches_entries']}"
    )
    target = f"{APPROVE_PAY}: zero overdraft, balanced transactions, nothing paid twice"
    kept = approve["balance_matches_entries"] and approve["year_total_matches_entries"]
    return [{"target": target, "value": value, "pass": whole and kept}]


def results_rows(results: list[dict]) -> list[str]:
    """A README table's rows: one per scenario measured under wrk."""
    return [
        f"| `{r['name']}` | {r['p50_ms']} | {r['p99_ms']} | {r['requests_per_s']} | {r['queries']} "
        f"| {r['app_cpu_ms_per_req']} | {r['db_cpu_ms_per_req']} | {r['other_work_cpu_pct']}% | {r['note']} |"
        for r in results
    ]


def markdown(report: dict) -> str:
    """The README's funds figures: the statement's latency, approval plus payment, and the targets."""
    h, d, m = report["header"], report["dataset"], report["header"]["machine"]
    how = "reused" if d.get("ledger_reused") else f"written by COPY in {d.get('ledger_seed_s')} s"
    lines = [
        f"{h['date']}, commit {m['git_commit']}: {m['cpu_model']}, {m['cores']} cores; PostgreSQL "
        f"{m['postgresql']}; gunicorn {h['gunicorn']['workers']} {h['gunicorn']['worker_class']} workers. "
        f"Ledger: {d['ledger_entries']:,} entries on one fund ({how}).",
        "",
        "| scenario | p50 ms | p99 ms | req/s | queries | app CPU ms/req | db CPU ms/req | other work | what |",
        "|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    lines += results_rows(report["results"])
    if a := report.get("approve_pay"):
        lines += [
            "",
            f"**`{APPROVE_PAY}`**: {a['clients']} HTTP clients approved and paid {a['aid_requests']} requests of "
            f"{AID} yuan against one fund holding {a['fund_held']} yuan: {a['requests_per_s']} requests/s "
            f"({a['approve_pay_pairs_per_s']} approvals + payments/s), p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms; "
            f"{a['paid']} paid ({a['paid_total']} yuan), {a['refused']} refused for lack of money; overdraft "
            f"{a['overdraft']}, unbalanced transactions {a['unbalanced_transactions']}, paid twice "
            f"{a['paid_twice']}, balance row = sum of entries {a['balance_matches_entries']}.",
        ]
    lines += ["", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['value']} | {'pass' if t['pass'] else '**fail**'} |" for t in report["targets"]]
    return "\n".join(lines) + "\n"
