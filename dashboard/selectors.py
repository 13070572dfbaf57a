"""The dashboard of a user: the scope's figures (dashboard.figures, cached) named in the reader's language,
linked to the lists behind them, and the user's own work (never cached)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.models import Cause, Tier
from cases.quality import file_checks
from cases.review_selectors import reviews_due_for_user
from cases.selectors import config_items, file_list_for_user
from cases.workflow import FileStatus
from funds.quality import MISSING_EVIDENCE
from funds.selectors import approval_queue_count
from hardship.months import month_start
from org.models import Role
from org.scoping import Scope, scope_for
from visits.selectors import (
    ComplianceMonths,
    compliance_months_from_counts,
    holiday_pending_q,
    missed_before_q,
    obligated_files,
    visited_now_q,
)

from .figures import WAIT_SOON_DAYS, ScopeFigures, scope_figures

FEDERATION, CHAIR, CADRE = "federation", "chair", "cadre"


def dashboard_role(scope: Scope) -> str:
    """Which dashboard the user gets: the widest role they hold decides."""
    if scope.has_role(Role.FEDERATION_STAFF, Role.ADMINISTRATOR):
        return FEDERATION
    if scope.has_role(Role.BRANCH_CHAIR):
        return CHAIR
    return CADRE


@dataclass(frozen=True)
class MyWork:
    """The user's own queue: what waits for them personally."""

    visits_open: int = 0
    visits_overdue: int = 0
    reviews_due: int = 0
    reviews_overdue: int = 0
    approvals: int = 0


def my_work(*, user, today: dt.date, role: str) -> MyWork:
    """Households the user helps that still need this month's visit, their reviews, and the approvals queue."""
    approvals = approval_queue_count(user=user) if role != CADRE else 0
    if role == FEDERATION:
        return MyWork(approvals=approvals)
    month = month_start(today)
    mine = obligated_files(file_list_for_user(user=user), month).filter(plan__helpers__user=user)
    visits = mine.aggregate(
        open=Count("pk", filter=~visited_now_q(month) | holiday_pending_q(month)),
        overdue=Count("pk", filter=~visited_now_q(month) & missed_before_q(month)),
    )
    reviews = (
        reviews_due_for_user(user=user, today=today, mine=True)
        .order_by()
        .aggregate(due=Count("pk"), overdue=Count("pk", filter=Q(review_due_on__lt=today)))
    )
    return MyWork(
        visits_open=visits["open"],
        visits_overdue=visits["overdue"],
        reviews_due=reviews["due"],
        reviews_overdue=reviews["overdue"],
        approvals=approvals,
    )


@dataclass(frozen=True)
class Cell:
    count: int
    url: str


@dataclass(frozen=True)
class QualityRow:
    name: str
    cells: list[Cell]
    total: bool = False


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    help: str


@dataclass
class Board:
    role: str
    figures: ScopeFigures
    mine: MyWork
    quality_columns: list[Column]
    quality_rows: list[QualityRow]
    compliance_units: list[ComplianceMonths]
    charts: dict[str, dict]
    funds: list[tuple[str, int, Decimal, Decimal]]
    annual_urls: dict[str, str]
    overdue_visits_url: str

    @property
    def funds_available(self) -> Decimal:
        return sum((f[2] for f in self.funds), Decimal("0.00"))

    @property
    def funds_reserved(self) -> Decimal:
        return sum((f[3] for f in self.funds), Decimal("0.00"))

    @property
    def cache_seconds(self) -> int:
        return settings.HARDSHIP["DASHBOARD_CACHE_SECONDS"]

    @property
    def escalate_days(self) -> int:
        return settings.HARDSHIP["AID_ESCALATE_AFTER_DAYS"]

    @property
    def compliance_months(self) -> list[dt.date]:
        """This month and last: the compliance card's columns."""
        return self.figures.months[:2]

    @property
    def compliance_rates(self) -> list[tuple[dt.date, int | None]]:
        """The scope's share of required visits made, oldest month first."""
        chart = self.charts["compliance"]["datasets"]
        months = list(reversed(self.figures.months))
        return [
            (month, round(100 * made / required) if required else None)
            for month, required, made in zip(months, chart[0]["data"], chart[1]["data"], strict=True)
        ]

    @property
    def tier_rows(self) -> list[tuple[str, int, str]]:
        chart = self.charts["tiers"]
        rows = zip(chart["labels"], chart["datasets"][0]["data"], chart["links"], strict=True)
        return [row for row in rows if row[1]]

    @property
    def waiting_days(self) -> int | None:
        """How many days the longest-waiting request has waited."""
        oldest = self.figures.oldest_waiting
        return None if oldest is None else (timezone.now() - oldest).days


def dashboard_for_user(*, user, today: dt.date | None = None) -> Board:
    today = today or timezone.localdate()
    scope = scope_for(user)
    role = dashboard_role(scope)
    figures = scope_figures(user=user, today=today)
    columns, rows = quality_table(scope, figures)
    english = (get_language() or "").startswith("en")
    funds = [((en or zh) if english else zh, n, avail, reserved) for _k, zh, en, n, avail, reserved in figures.funds]
    return Board(
        role=role,
        figures=figures,
        mine=my_work(user=user, today=today, role=role),
        quality_columns=columns,
        quality_rows=rows,
        compliance_units=compliance_months_from_counts(
            user=user, months=figures.months[:2], counts=figures.compliance, max_depth=1
        ),
        charts=charts(figures, funds),
        funds=funds,
        annual_urls=annual_urls(scope, today),
        # A cadre's or chair's board lists every overdue household of their units; federation staff read
        # the units' compliance instead (the board of a whole federation is no page to open).
        overdue_visits_url=_url("visits:compliance") if role == FEDERATION else _url("visits:my_visits", all=1),
    )


def annual_urls(scope: Scope, today: dt.date) -> dict[str, str]:
    """The annual summary's drill-down for this year's newly filed and relieved households of the user's unit
    (the same conditions as the counts); the summary itself when the user holds roles at several units."""
    tops = scope.top_ids()
    if len(tops) != 1:
        return dict.fromkeys(("filed", "relieved"), _url("reports:annual_summary"))
    return {
        metric: _url("reports:annual_files", unit=tops[0], year=today.year, metric=metric)
        for metric in ("filed", "relieved")
    }


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def quality_table(scope: Scope, figures: ScopeFigures) -> tuple[list[Column], list[QualityRow]]:
    """One row per unit directly below the user's units (the unit itself when it has none), and a total row
    per unit of the user's; each cell links to the list of exactly the files or requests it counts."""
    columns = [Column(c.code, str(c.label), str(c.help)) for c in file_checks()]
    columns.append(
        Column(MISSING_EVIDENCE, _("Aid missing evidence"), _("Submitted aid requests missing a required document."))
    )
    totals = scope.roll_up(figures.quality)
    names = {pk: name.strip("\u2003") for pk, name in scope.unit_choices()}

    def row(pk: int, *, total: bool = False) -> QualityRow:
        cells = [
            Cell(
                totals[pk][c.code],
                _url("funds:aid_list" if c.code == MISSING_EVIDENCE else "cases:file_list", quality=c.code, unit=pk),
            )
            for c in columns
        ]
        name = _("%(unit)s, all units") % {"unit": names[pk]} if total else names[pk]
        return QualityRow(name=name, cells=cells, total=total)

    rows = []
    for top in scope.top_ids():
        children = scope.child_ids(top)
        rows += [row(pk) for pk in children] or [row(top)]
        if children:
            rows.append(row(top, total=True))
    return columns, rows


def _chart(kind: str, labels: list[str], datasets: list[dict], links: list[str], **options) -> dict:
    return {"type": kind, "labels": labels, "datasets": datasets, "links": links, **options}


def charts(figures: ScopeFigures, funds: list) -> dict[str, dict]:
    """What the page's charts draw, labels in the reader's language (passed to the page with json_script)."""
    tiers = [(t, figures.by_tier.get(t.pk, 0)) for t in config_items(Tier)]
    tiers = [(t, n) for t, n in tiers if n or t.is_active]
    if figures.by_tier.get(None):
        tiers.append((None, figures.by_tier[None]))
    causes = [(c, figures.by_cause.get(c.pk, 0)) for c in config_items(Cause)]
    causes = [(c, n) for c, n in causes if n or c.is_active]
    months = list(reversed(figures.months))
    required = [sum(u.get("required", 0) for u in figures.compliance[m].values()) for m in months]
    made = [sum(u.get("made", 0) for u in figures.compliance[m].values()) for m in months]
    waits = figures.waiting_buckets
    escalate = settings.HARDSHIP["AID_ESCALATE_AFTER_DAYS"]
    return {
        "tiers": _chart(
            "doughnut",
            [str(t) if t else _("No tier") for t, _n in tiers],
            [{"label": _("Filed households"), "data": [n for _t, n in tiers]}],
            # No list holds exactly the households without a tier: their row has no link.
            [_url("cases:file_list", status=FileStatus.FILED, tier=t.pk) if t else "" for t, _n in tiers],
        ),
        "causes": _chart(
            "bar",
            [str(c) for c, _n in causes],
            [{"label": _("Filed households"), "data": [n for _c, n in causes]}],
            [_url("cases:file_list", status=FileStatus.FILED, cause=c.pk) for c, _n in causes],
            horizontal=True,
        ),
        "compliance": _chart(
            "bar",
            [f"{m:%Y-%m}" for m in months],
            [{"label": _("Visits required"), "data": required}, {"label": _("Visits made"), "data": made}],
            [_url("visits:compliance", month=f"{m:%Y-%m}") for m in months],
        ),
        "waiting": _chart(
            "bar",
            [
                _("Under %(days)s days") % {"days": WAIT_SOON_DAYS},
                _("%(low)s to %(high)s days") % {"low": WAIT_SOON_DAYS, "high": escalate},
                _("Over %(days)s days") % {"days": escalate},
            ],
            [{"label": _("Awaiting approval"), "data": [waits.get(k, 0) for k in ("recent", "middle", "late")]}],
            [_url("funds:aid_list", status="in_approval")] * 3,
        ),
        "funds": _chart(
            "bar",
            [name for name, *_rest in funds],
            [
                {"label": _("Available"), "data": [str(f[2]) for f in funds]},
                {"label": _("Reserved"), "data": [str(f[3]) for f in funds]},
            ],
            [reverse("funds:fund_list")] * len(funds),
            horizontal=True,
            stacked=True,
            money=True,
        ),
    }
