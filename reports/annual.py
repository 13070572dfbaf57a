"""The annual summary's figures for a unit and everything under it, each beside the previous year's.

Every figure is a database aggregate: one grouped query per table, with the year
and the previous year as conditional aggregates (`COUNT(*) FILTER (WHERE ...)`),
so the number of queries is the same for ten households or two hundred thousand.
The result is plain JSON (money as strings), the same shape whether it was just
computed or read back from a finalised snapshot.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DateTimeField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone, translation

from cases.models import Cause, HardshipFile, Tier
from cases.selectors import config_items
from funds.models import AidDecision, AidRequest, AidType, Fund
from funds.workflow import AidAction, AidStatus
from hardship.jit import without_jit
from hardship.money import MoneySum
from org.models import Unit
from visits.models import Outcome, Visit

from .compliance import visits_by_branch

FILE_METRICS = ("at_start", "filed", "relieved", "closed", "at_end")
AID_METRICS = ("requested_n", "requested", "approved_n", "approved", "paid_n", "paid")
FUND_METRICS = ("opening", "inflow", "outflow", "closing")
MONEY_METRICS = frozenset({"requested", "approved", "paid", *FUND_METRICS})
ZERO = Decimal("0.00")


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def relief_target() -> int:
    return settings.HARDSHIP["RELIEF_TARGET_PERCENT"]


# --- which households each file figure counts (also the drill-down's filter) -------------------


def on_file_q(day: dt.date) -> Q:
    """Filed before `day` and neither relieved nor closed before it."""
    return (
        Q(filed_on__lt=day)
        & (Q(relieved_on__isnull=True) | Q(relieved_on__gte=day))
        & (Q(closed_on__isnull=True) | Q(closed_on__gte=day))
    )


def file_metric_q(metric: str, year: int) -> Q:
    start, end = year_bounds(year)
    return {
        "at_start": lambda: on_file_q(start),
        "filed": lambda: Q(filed_on__gte=start, filed_on__lt=end),
        "relieved": lambda: Q(relieved_on__gte=start, relieved_on__lt=end),
        "closed": lambda: Q(closed_on__gte=start, closed_on__lt=end, filed_on__isnull=False),
        "at_end": lambda: on_file_q(end),
    }[metric]()


def subtree_unit_ids(unit: Unit) -> list[int]:
    """The unit and every active unit below it that has no inactive unit above it (as scoping does)."""
    rows = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", "path", "is_active"))
    dead = [path for _pk, path, active in rows if not active]
    return [pk for pk, path, _active in rows if not any(path.startswith(d) for d in dead)]


def _branch(prefix_field: str, unit: Unit) -> Substr:
    """The path of the unit's child holding a row (or the unit's own path): the "by unit" grouping key."""
    return Substr(prefix_field, 1, len(unit.path) + 7)


def _both_years(make: Callable[[int], dict], year: int) -> dict:
    current = make(year)
    previous = {f"prev_{k}": v for k, v in make(year - 1).items()}
    return {**current, **previous}


def _pair(row: dict, metrics: tuple[str, ...]) -> dict:
    """{"cur": {...}, "prev": {...}} from a row with `m` and `prev_m` columns; money as strings."""
    return {
        "cur": {m: _plain(m, row.get(m)) for m in metrics},
        "prev": {m: _plain(m, row.get(f"prev_{m}")) for m in metrics},
    }


def _plain(metric: str, value):
    if metric in MONEY_METRICS:
        return str(value if value is not None else ZERO)
    return value or 0


def _in(language: str, label) -> str:
    with translation.override(language):
        return str(label)


# --- files ---------------------------------------------------------------------------------------


def _file_counts(year: int) -> dict:
    return {m: Count("pk", filter=file_metric_q(m, year)) for m in FILE_METRICS}


def _files(files: QuerySet, unit: Unit, year: int, names: dict) -> dict:
    aggregates = _both_years(_file_counts, year)
    tiers = files.order_by().values("tier_id").annotate(**aggregates).order_by()
    causes = (
        files.filter(file_causes__is_primary=True)
        .order_by()
        .values(cause=F("file_causes__cause_id"))
        .annotate(**aggregates)
        .order_by()
    )
    units = list(files.annotate(branch=_branch("unit__path", unit)).order_by().values("branch").annotate(**aggregates))
    # Every household is under exactly one branch row: the total adds them up (one scan of the files fewer).
    total = {name: sum(row[name] for row in units) for name in aggregates}
    tier_names, cause_names = names["tiers"], names["causes"]
    return {
        "total": _with_rate(_pair(total, FILE_METRICS)),
        "by_tier": _rows(tiers, "tier_id", tier_names, FILE_METRICS, order=list(tier_names)),
        "by_cause": _rows(causes, "cause", cause_names, FILE_METRICS, order=list(cause_names)),
        "by_unit": _rows(units, "branch", names["branches"], FILE_METRICS, order=list(names["branches"])),
    }


def _with_rate(pair: dict) -> dict:
    for side in ("cur", "prev"):
        figures = pair[side]
        base = figures["at_start"] + figures["filed"]
        figures["relief_rate"] = f"{Decimal(100 * figures['relieved']) / base:.1f}" if base else None
    return pair


def _rows(rows, key: str, names: dict, metrics: tuple[str, ...], *, order: list) -> list[dict]:
    """Grouped rows as [{"key", "zh", "en", "cur", "prev"}], in the configured order, unknown keys last."""
    by_key = {row[key]: row for row in rows}
    keys = [k for k in order if k in by_key] + [k for k in by_key if k not in names]
    out = []
    for k in keys:
        zh, en = names.get(k, ("—", "—"))
        out.append({"key": k, "zh": zh, "en": en, **_pair(by_key[k], metrics)})
    return out


# --- visits --------------------------------------------------------------------------------------


def _visits(files: QuerySet, unit: Unit, year: int, today: dt.date, names: dict) -> dict:
    per_unit = visits_by_branch(files, _branch("unit__path", unit), year, today)
    metrics = ("made", "households", "required", "required_made")
    by_unit = []
    for branch, (zh, en) in names["branches"].items():
        pair = {side: {m: per_unit[side].get(branch, {}).get(m, 0) for m in metrics} for side in ("cur", "prev")}
        by_unit.append({"key": branch, "zh": zh, "en": en, **pair})
    # A household is under one branch only: the totals (distinct households too) add up the branches.
    totals = {side: {m: sum(row[m] for row in per_unit[side].values()) for m in metrics} for side in ("cur", "prev")}
    # Visits of each outcome come from the same pass over the visits, per branch: added up here.
    made = {side: Counter() for side in ("cur", "prev")}
    for side in made:
        for row in per_unit[side].values():
            made[side].update(row["outcomes"])
    outcomes = [
        {"outcome": o, "made": made["cur"][o], "prev_made": made["prev"][o]}
        for o in Outcome.values
        if made["cur"][o] or made["prev"][o]
    ]
    outcome_names = {value: (_in("zh-hans", label), _in("en", label)) for value, label in Outcome.choices}
    return {
        "total": totals,
        "by_unit": [r for r in by_unit if any(r[s][m] for s in ("cur", "prev") for m in r[s])],
        "by_outcome": _rows(outcomes, "outcome", outcome_names, ("made",), order=list(outcome_names)),
    }


# --- aid -----------------------------------------------------------------------------------------


def _approved_at() -> Subquery:
    last = AidDecision.objects.filter(request=OuterRef("pk"), action=AidAction.APPROVE, to_status=AidStatus.APPROVED)
    return Subquery(last.order_by("-at").values("at")[:1], output_field=DateTimeField())


def with_approved_at(requests: QuerySet) -> QuerySet:
    """The requests with `approved_at`, the time of their last approval, which aid_metric_q reads."""
    return requests.annotate(approved_at=_approved_at())


# Which requests each aid figure counts: those asked for, approved or paid in the year.
AID_BASIS = {"requested_n": "requested", "requested": "requested", "approved_n": "approved", "approved": "approved",
             "paid_n": "paid", "paid": "paid", "households": "paid"}  # fmt: skip


def aid_metric_q(metric: str, year: int) -> Q:
    """The requests an aid figure counts (also the drill-down's filter); "approved" needs with_approved_at."""
    start, end = local_midnight(dt.date(year, 1, 1)), local_midnight(dt.date(year + 1, 1, 1))
    return {
        "requested": lambda: Q(created_at__gte=start, created_at__lt=end) & ~Q(status=AidStatus.DRAFT),
        "approved": lambda: Q(approved_at__gte=start, approved_at__lt=end),
        "paid": lambda: Q(status=AidStatus.PAID, paid_at__gte=start, paid_at__lt=end),
    }[AID_BASIS[metric]]()


def _aid_sums(year: int) -> dict:
    requested, approved, paid = (aid_metric_q(m, year) for m in ("requested", "approved", "paid"))
    return {
        "requested_n": Count("pk", filter=requested),
        "requested": MoneySum("requested_amount", filter=requested),
        "approved_n": Count("pk", filter=approved),
        "approved": MoneySum("requested_amount", filter=approved),
        "paid_n": Count("pk", filter=paid),
        "paid": MoneySum("requested_amount", filter=paid),
        "households": Count("file", filter=paid, distinct=True),
    }


def _aid(requests: QuerySet, year: int, names: dict) -> dict:
    aggregates = _both_years(_aid_sums, year)
    requests = with_approved_at(requests)
    total = requests.aggregate(**aggregates)
    rows = requests.order_by().values("aid_type_id", "fund_id").annotate(**aggregates).order_by()
    position = {pk: i for i, pk in enumerate(names["aid_types"])}
    out = []
    for row in sorted(rows, key=lambda r: (position.get(r["aid_type_id"], len(position)), r["fund_id"])):
        pair = _pair(row, AID_METRICS)
        if not any(pair[s][m] not in (0, "0.00") for s in ("cur", "prev") for m in AID_METRICS):
            continue
        zh, en = names["aid_types"].get(row["aid_type_id"], ("—", "—"))
        fund = names["funds"].get(row["fund_id"], "—")
        out.append({"key": f"{row['aid_type_id']}-{row['fund_id']}", "zh": zh, "en": en, "fund": fund, **pair})
    return {"total": _pair(total, (*AID_METRICS, "households")), "by_type_fund": out}


# --- funds ---------------------------------------------------------------------------------------


def _fund_sums(year: int) -> dict:
    """From the funds' year totals (`FundYearTotal`, kept beside the entries): money in and out of the year, and
    what the fund held before and after it, as every year's in plus out (moves between a fund's own accounts,
    left out of both, add nothing to what it holds)."""
    net = F("year_totals__money_in") + F("year_totals__money_out")
    this_year = Q(year_totals__year=year)
    return {
        "opening": MoneySum(net, filter=Q(year_totals__year__lt=year)),
        "inflow": MoneySum("year_totals__money_in", filter=this_year),
        "outflow": MoneySum("year_totals__money_out", filter=this_year),
        "closing": MoneySum(net, filter=Q(year_totals__year__lte=year)),
    }


def _funds(funds: QuerySet, year: int) -> dict:
    aggregates = _both_years(_fund_sums, year)
    rows = (
        funds.values("pk", "name", "unit__name_zh", "unit__name_en")
        .annotate(**aggregates)
        .order_by("unit__path", "kind__order", "name", "pk")
    )
    out, totals = [], {"cur": dict.fromkeys(FUND_METRICS, ZERO), "prev": dict.fromkeys(FUND_METRICS, ZERO)}
    for row in rows:
        for key in ("outflow", "prev_outflow"):
            row[key] = -(row[key] or ZERO)
        for key in (*FUND_METRICS, *(f"prev_{m}" for m in FUND_METRICS)):
            row[key] = row[key] or ZERO
        for side, prefix in (("cur", ""), ("prev", "prev_")):
            for m in FUND_METRICS:
                totals[side][m] += row[f"{prefix}{m}"]
        en = row["unit__name_en"] or row["unit__name_zh"]
        out.append({"key": row["pk"], "zh": row["name"], "en": row["name"], "unit_zh": row["unit__name_zh"],
                    "unit_en": en, **_pair(row, FUND_METRICS)})  # fmt: skip
    return {"rows": out, "total": {s: {m: str(v) for m, v in totals[s].items()} for s in totals}}


# --- the whole summary -----------------------------------------------------------------------------


def _names(unit: Unit, unit_ids: list[int]) -> dict:
    children = Unit.objects.filter(Q(parent=unit) | Q(pk=unit.pk), pk__in=unit_ids).order_by("path")
    branches = {u.path: (u.name_zh, u.name_en or u.name_zh) for u in children}
    return {
        "tiers": {t.pk: (t.name_zh, t.name_en or t.name_zh) for t in config_items(Tier)},
        "causes": {c.pk: (c.name_zh, c.name_en or c.name_zh) for c in config_items(Cause)},
        "aid_types": {t.pk: (t.name_zh, t.name_en or t.name_zh) for t in AidType.objects.order_by("order", "pk")},
        "funds": dict(Fund.objects.filter(unit_id__in=unit_ids).values_list("pk", "name")),
        "branches": branches,
    }


def annual_figures(*, unit: Unit, year: int, progress: Callable[[int], None] = lambda pct: None) -> dict:
    """Every figure of the annual summary for `unit` and the units below it, beside the previous year's."""
    today = timezone.localdate()
    unit_ids = subtree_unit_ids(unit)
    names = _names(unit, unit_ids)
    files = HardshipFile.objects.filter(unit_id__in=unit_ids)
    figures = {
        "year": year,
        "unit": {"pk": unit.pk, "zh": unit.name_zh, "en": unit.name_en or unit.name_zh},
        "relief_target": relief_target(),
        "computed_at": timezone.now().isoformat(timespec="seconds"),
    }
    with without_jit(work_mem=settings.HARDSHIP["REPORT_WORK_MEM"]):
        figures["files"] = _files(files, unit, year, names)
        progress(25)
        figures["visits"] = _visits(files, unit, year, today, names)
        progress(45)
        figures["aid"] = _aid(AidRequest.objects.filter(file__unit_id__in=unit_ids), year, names)
        progress(55)
        figures["funds"] = _funds(Fund.objects.filter(unit_id__in=unit_ids), year)
        progress(60)
    return figures


def has_data(figures: dict) -> bool:
    """Whether the year holds anything at all: households on file, visits, aid or money (else nothing prints)."""
    files = figures["files"]["total"]
    visits = figures["visits"]["total"]
    aid = figures["aid"]["total"]
    funds = figures["funds"]["total"]
    return any(
        [
            *(files["cur"][m] for m in FILE_METRICS),
            visits["cur"]["made"],
            visits["cur"]["required"],
            aid["cur"]["requested_n"],
            aid["cur"]["paid_n"],
            *(Decimal(funds["cur"][m]) for m in FUND_METRICS),
        ]
    )


def year_has_data(*, unit: Unit, year: int) -> bool:
    """Whether the year holds anything to summarise, in a few cheap EXISTS queries."""
    ids = subtree_unit_ids(unit)
    start, end = year_bounds(year)
    files = HardshipFile.objects.filter(unit_id__in=ids)
    in_year = Q(filed_on__gte=start, filed_on__lt=end) | on_file_q(start) | on_file_q(end)
    return (
        files.filter(in_year).exists()
        or Visit.objects.filter(file__unit_id__in=ids, visited_on__gte=start, visited_on__lt=end).exists()
        or AidRequest.objects.filter(file__unit_id__in=ids, created_at__lt=local_midnight(end))
        .filter(Q(created_at__gte=local_midnight(start)) | Q(paid_at__gte=local_midnight(start)))
        .exists()
        or Fund.objects.filter(unit_id__in=ids, entries__transaction__created_at__lt=local_midnight(end)).exists()
    )
