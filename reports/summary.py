"""The annual summary's figures (JSON) turned into the tables, charts and corrections a page or PDF shows."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .annual import FILE_METRICS, FUND_METRICS
from .charts import bar_chart
from .forms import FIRST_YEAR


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _name(row: dict, prefix: str = "") -> str:
    return row[f"{prefix}en"] if _english() else row[f"{prefix}zh"]


def metric_labels() -> dict[str, str]:
    return {
        "at_start": _("On file 1 Jan"),
        "filed": _("Newly filed"),
        "relieved": _("Relieved"),
        "closed": _("Closed"),
        "at_end": _("On file 31 Dec"),
        "required": _("Visits required"),
        "required_made": _("Required visits made"),
        "made": _("Visits made (person-times)"),
        "households": _("Households"),
        "compliance": _("Compliance"),
        "paid_households": _("Households paid aid"),
        "requested_n": _("Requests"),
        "requested": _("Amount requested"),
        "approved_n": _("Approved"),
        "approved": _("Amount approved"),
        "paid_n": _("Payments (person-times)"),
        "paid": _("Amount paid"),
        "opening": _("Opening balance"),
        "inflow": _("Money in"),
        "outflow": _("Money out"),
        "closing": _("Closing balance"),
    }


@dataclass
class Cell:
    cur: object
    prev: object
    url: str = ""
    prev_url: str = ""
    money: bool = False


@dataclass
class Row:
    name: str
    cells: list[Cell]
    note: str = ""


@dataclass
class Table:
    key: str
    title: str
    first: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None


FILES, VISITS, AID = "reports:annual_files", "reports:annual_visits", "reports:annual_aid"


def _drill(figures: dict, view: str, metric: str, year: int, **extra) -> str:
    query = {"unit": figures["unit"]["pk"], "year": year, "metric": metric, **extra}
    return f"{reverse(view)}?{urlencode(query)}"


def _links(figures: dict, view: str, metric: str, drill: bool, **extra) -> dict:
    """Cell links to what is behind the figure and behind the previous year's beside it (none in the PDF)."""
    if not drill:
        return {}
    year = figures["year"]
    prev = _drill(figures, view, metric, year - 1, **extra) if year - 1 >= FIRST_YEAR else ""
    return {"url": _drill(figures, view, metric, year, **extra), "prev_url": prev}


def _file_table(figures, key, title, first, rows, drill_param, drill) -> Table:
    labels = metric_labels()
    table = Table(key=key, title=title, first=first, columns=[labels[m] for m in FILE_METRICS])
    for row in rows:
        extra = {drill_param: _drill_value(drill_param, row["key"])}
        cells = [Cell(row["cur"][m], row["prev"][m], **_links(figures, FILES, m, drill, **extra)) for m in FILE_METRICS]
        table.rows.append(Row(name=_name(row), cells=cells))
    return table


def _drill_value(param: str, key) -> str:
    # A "by unit" row is keyed by the unit's path: its last segment is the unit's id.
    return str(key).rstrip("/").rsplit("/", 1)[-1].lstrip("0") if param == "branch" else str(key)


def file_tables(figures: dict, *, drill: bool) -> list[Table]:
    files = figures["files"]
    total = files["total"]
    overall = Table(
        key="files", title=_("Households on file"), first="", columns=[metric_labels()[m] for m in FILE_METRICS]
    )
    overall.total = Row(
        name=_("All households"),
        cells=[Cell(total["cur"][m], total["prev"][m], **_links(figures, FILES, m, drill)) for m in FILE_METRICS],
    )
    return [
        overall,
        _file_table(figures, "tiers", _("By tier"), _("Tier"), files["by_tier"], "tier", drill),
        _file_table(figures, "causes", _("By primary cause"), _("Cause"), files["by_cause"], "cause", drill),
        _file_table(figures, "units", _("By unit"), _("Unit"), files["by_unit"], "branch", drill),
    ]


def _rate(made: int, required: int) -> str:
    return f"{Decimal(100 * made) / required:.1f}%" if required else "—"


def visit_tables(figures: dict, *, drill: bool) -> list[Table]:
    labels = metric_labels()
    visits = figures["visits"]
    metrics = ("required", "required_made", "made", "households")
    columns = [labels[m] for m in metrics] + [labels["compliance"]]

    def cells(row: dict, **extra) -> list[Cell]:
        out = [Cell(row["cur"][m], row["prev"][m], **_links(figures, VISITS, m, drill, **extra)) for m in metrics]
        rate = Cell(_rate(row["cur"]["required_made"], row["cur"]["required"]),
                    _rate(row["prev"]["required_made"], row["prev"]["required"]),
                    **_links(figures, VISITS, "compliance", drill, **extra))  # fmt: skip
        return [*out, rate]

    units = Table(key="visits", title=_("Visits made against visits required"), first=_("Unit"), columns=columns)
    units.rows = [
        Row(name=_name(r), cells=cells(r, branch=_drill_value("branch", r["key"]))) for r in visits["by_unit"]
    ]
    units.total = Row(name=_("Total"), cells=cells(visits["total"]))
    made_cur = sum(r["cur"]["made"] for r in visits["by_outcome"]) or 0
    made_prev = sum(r["prev"]["made"] for r in visits["by_outcome"]) or 0
    outcomes = Table(key="outcomes", title=_("Living conditions found at visits"), first=_("Outcome"),
                     columns=[labels["made"], _("Share")])  # fmt: skip
    for r in visits["by_outcome"]:
        share = Cell(_rate(r["cur"]["made"], made_cur), _rate(r["prev"]["made"], made_prev))
        made = Cell(r["cur"]["made"], r["prev"]["made"], **_links(figures, VISITS, "outcome", drill, outcome=r["key"]))
        outcomes.rows.append(Row(name=_outcome_name(r["key"]), cells=[made, share]))
    return [units, outcomes]


def _outcome_name(key: str) -> str:
    from visits.models import Outcome

    return str(dict(Outcome.choices).get(key, key))


def _aid_row(key: str) -> dict:
    """The drill-down parameters of an aid row, keyed "type-fund"."""
    aid_type, fund = str(key).split("-", 1)
    return {"aid_type": aid_type, "fund": fund}


def aid_tables(figures: dict, *, drill: bool) -> list[Table]:
    labels = metric_labels()
    aid = figures["aid"]
    metrics = ("requested_n", "requested", "approved_n", "approved", "paid_n", "paid")
    table = Table(key="aid", title=_("Aid by type and fund"), first=_("Aid type · fund"),
                  columns=[labels[m] for m in metrics])  # fmt: skip
    money = {"requested", "approved", "paid"}

    def cells(row: dict, **extra) -> list[Cell]:
        # An amount lists the same requests as its count: the list shows their total.
        return [
            Cell(row["cur"][m], row["prev"][m], money=m in money, **_links(figures, AID, m, drill, **extra))
            for m in metrics
        ]

    for r in aid["by_type_fund"]:
        table.rows.append(Row(name=f"{_name(r)} · {r['fund']}", cells=cells(r, **_aid_row(r["key"]))))
    total = aid["total"]
    table.total = Row(name=_("Total"), cells=cells(total))
    helped = Table(
        key="helped", title=_("Households helped"), first="", columns=[labels["paid_households"], labels["paid_n"]]
    )
    helped.total = Row(
        name=_("All aid types"),
        cells=[
            Cell(total["cur"]["households"], total["prev"]["households"],
                 **_links(figures, AID, "households", drill)),
            Cell(total["cur"]["paid_n"], total["prev"]["paid_n"], **_links(figures, AID, "paid_n", drill)),
        ],
    )  # fmt: skip
    return [table, helped]


def _fund_link(fund: int, metric: str, year: int, drill: bool) -> str:
    """The fund's statement behind a figure: the entries up to the start (opening) or the end (closing) of the
    year, the newest one's balance being the figure; or the year's money in or out, adding up to it."""
    if not drill or year < FIRST_YEAR:
        return ""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    period = {
        "opening": {"end": start - dt.timedelta(days=1)},
        "inflow": {"start": start, "end": end, "flow": "in"},
        "outflow": {"start": start, "end": end, "flow": "out"},
        "closing": {"end": end},
    }[metric]
    return f"{reverse('funds:fund_detail', args=[fund])}?{urlencode(period)}"


def fund_tables(figures: dict, *, drill: bool) -> list[Table]:
    labels = metric_labels()
    funds = figures["funds"]
    year = figures["year"]
    table = Table(key="funds", title=_("Funds"), first=_("Fund · unit"), columns=[labels[m] for m in FUND_METRICS])
    for r in funds["rows"]:
        cells = [
            Cell(r["cur"][m], r["prev"][m], money=True, url=_fund_link(r["key"], m, year, drill),
                 prev_url=_fund_link(r["key"], m, year - 1, drill))
            for m in FUND_METRICS
        ]  # fmt: skip
        table.rows.append(Row(name=f"{r['zh']} · {_name(r, 'unit_')}", cells=cells))
    total = funds["total"]
    # The total adds up funds of several units: no one statement holds it.
    table.total = Row(
        name=_("Total"), cells=[Cell(total["cur"][m], total["prev"][m], money=True) for m in FUND_METRICS]
    )
    return [table]


def charts(figures: dict) -> list[tuple[str, str]]:
    year, prev = str(figures["year"]), str(figures["year"] - 1)
    tiers = [(_name(r), [r["cur"]["at_end"], r["prev"]["at_end"]]) for r in figures["files"]["by_tier"]]
    outcomes = [
        (_outcome_name(r["key"]), [r["cur"]["made"], r["prev"]["made"]]) for r in figures["visits"]["by_outcome"]
    ]
    out = []
    if tiers:
        out.append((_("Households on file at the end of the year, by tier"), bar_chart(tiers, [year, prev])))
    if outcomes:
        out.append((_("Visits by living conditions found"), bar_chart(outcomes, [year, prev])))
    return out


def headline(figures: dict) -> dict:
    total = figures["files"]["total"]
    return {
        "relieved": total["cur"]["relieved"],
        "rate": total["cur"]["relief_rate"],
        "prev_rate": total["prev"]["relief_rate"],
        "target": figures["relief_target"],
        "met": total["cur"]["relief_rate"] is not None
        and Decimal(total["cur"]["relief_rate"]) >= figures["relief_target"],
    }


def summary_context(figures: dict, *, drill: bool) -> dict:
    """Everything the preview page and the PDF show, from the figures' JSON."""
    return {
        "figures": figures,
        "year": figures["year"],
        "prev_year": figures["year"] - 1,
        "unit_name": _name(figures["unit"]),
        "headline": headline(figures),
        "file_tables": file_tables(figures, drill=drill),
        "visit_tables": visit_tables(figures, drill=drill),
        "aid_tables": aid_tables(figures, drill=drill),
        "fund_tables": fund_tables(figures, drill=drill),
        "charts": charts(figures),
    }


def _flatten(figures: dict) -> dict[tuple[str, str], tuple[str, object]]:
    """(row id, metric) -> (row label, this year's value) for every figure of the year."""
    out = {}
    sections = [
        ("files", [{"key": "", "zh": "全部", "en": _("All households"), **figures["files"]["total"]}], FILE_METRICS),
        ("tier", figures["files"]["by_tier"], FILE_METRICS),
        ("cause", figures["files"]["by_cause"], FILE_METRICS),
        ("unit", figures["files"]["by_unit"], FILE_METRICS),
        ("visits", [{"key": "", "zh": "合计", "en": _("Total"), **figures["visits"]["total"]}],
         ("required", "required_made", "made", "households")),
        ("aid", [{"key": "", "zh": "合计", "en": _("Total"), **figures["aid"]["total"]}],
         ("requested_n", "requested", "approved_n", "approved", "paid_n", "paid", "households")),
        ("fund", figures["funds"]["rows"], FUND_METRICS),
    ]  # fmt: skip
    for section, rows, metrics in sections:
        for row in rows:
            for metric in metrics:
                out[(f"{section}:{row['key']}", metric)] = (
                    f"{_section_label(section)} · {_name(row)}",
                    row["cur"][metric],
                )
    return out


def _section_label(section: str) -> str:
    return {
        "files": _("Households on file"),
        "tier": _("By tier"),
        "cause": _("By primary cause"),
        "unit": _("By unit"),
        "visits": _("Visits"),
        "aid": _("Aid"),
        "fund": _("Funds"),
    }[section]


def corrections(snapshot: dict, now: dict) -> list[dict]:
    """Figures that changed since the year was finalised: the printed value and the value computed now."""
    before, after = _flatten(snapshot), _flatten(now)
    labels = metric_labels()
    out = []
    for key in [*before, *(k for k in after if k not in before)]:
        was = before.get(key, (after.get(key, ("", 0))[0], 0))
        is_now = after.get(key, (was[0], 0))
        if str(was[1]) != str(is_now[1]):
            out.append({"label": f"{was[0]} · {labels[key[1]]}", "finalised": was[1], "now": is_now[1]})
    return out


# --- which figure a drill-down page lists ------------------------------------------------------------


@dataclass
class Figure:
    """What a drill-down page says it lists: the section, the row and the figure of the year."""

    section: str
    row: str
    metric: str
    year: int
    unit: str


def _config_name(model, pk: int | None) -> str:
    from cases.selectors import config_items

    return next((str(item) for item in config_items(model) if item.pk == pk), "—")


def _branch_row(data: dict, total: str) -> str:
    branch = data.get("branch_unit")
    return branch.name if branch else total


def file_figure(data: dict) -> Figure:
    from cases.models import Cause, Tier

    if data.get("tier"):
        section, row = _("By tier"), _config_name(Tier, data["tier"])
    elif data.get("cause"):
        section, row = _("By primary cause"), _config_name(Cause, data["cause"])
    elif data.get("branch_unit"):
        section, row = _("By unit"), data["branch_unit"].name
    else:
        section, row = _("Households on file"), _("All households")
    return Figure(section, row, metric_labels()[data["metric"]], data["year"], data["unit"].name)


def visit_figure(data: dict) -> Figure:
    if data["metric"] == "outcome":
        section, row, metric = _("Living conditions found at visits"), _outcome_name(data["outcome"]), "made"
    else:
        section, row, metric = _("Visits made against visits required"), _branch_row(data, _("Total")), data["metric"]
    return Figure(section, row, metric_labels()[metric], data["year"], data["unit"].name)


def aid_figure(data: dict, *, unit_ids: list[int]) -> Figure:
    """The aid row names the fund only when it is one of the summary's (as the summary does): never another's."""
    from funds.models import AidType, Fund

    if data["metric"] == "households":
        section, row = _("Households helped"), _("All aid types")
        metric = metric_labels()["paid_households"]
    else:
        section, metric = _("Aid by type and fund"), metric_labels()[data["metric"]]
        row = _("Total")
        if data.get("aid_type") or data.get("fund"):
            aid_type = AidType.objects.filter(pk=data.get("aid_type")).first()
            fund = Fund.objects.filter(pk=data.get("fund"), unit_id__in=unit_ids).values_list("name", flat=True)
            row = f"{aid_type or '—'} · {fund.first() or '—'}"
    if data.get("branch_unit"):
        row = f"{row} · {data['branch_unit'].name}"
    return Figure(section, row, metric, data["year"], data["unit"].name)
