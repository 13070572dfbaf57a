"""The scope's figures behind the dashboard: a few grouped, conditional queries whose number does not grow
with the units or files, cached per scope for a short while.

What is cached and for how long: the figures of a scope (the set of units a user reaches, so all federation
staff share one entry) for DASHBOARD_CACHE_SECONDS (default 60 s) in the shared cache, under the data version
of hardship.versioned, so a change to the union tree, a role or a configuration list (tiers, causes) drops
every entry at once. Writes to files, visits and aid do not: bumping on every save of every cadre would
make a busy federation's cache useless, so those figures may be up to a minute old (the page says when they
were read). Only ids and numbers are cached: names are looked up in the reader's language when shown.
Per-user figures (my approvals, my visits and reviews) are never cached here.

When the figures of a scope grow older than that, one request recomputes them (it takes a short lock in the
cache) while the others keep showing the figures they have, for up to STALE_FACTOR times the cache time:
a busy federation never has every worker recomputing the same second-long queries at once.
"""

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone

from cases.models import FileCause
from cases.quality import file_checks
from cases.selectors import file_list_for_user
from cases.workflow import INACTIVE_STATUSES, FileKind, FileStatus, HandoverReason
from funds.models import AidRequest
from funds.quality import missing_evidence_q
from funds.selectors import fund_list_for_user
from funds.services import with_waiting_since
from funds.workflow import AidStatus
from hardship.jit import without_jit
from hardship.months import add_months, month_start
from hardship.versioned import current_version
from org.scoping import scope_for
from reports.annual import file_metric_q
from visits.selectors import compliance_counts_for_user, missed_before_q, obligated_q, visited_now_q

TREND_MONTHS = 6
# How long pending approvals have waited: under WAIT_SOON days, up to the escalation deadline, beyond it.
WAIT_SOON_DAYS = 3


@dataclass
class ScopeFigures:
    """Ids and numbers only (names are the reader's language): safe to share between users of one scope."""

    computed_at: dt.datetime
    today: dt.date
    by_status: dict[str, int] = field(default_factory=dict)  # formal files
    handed_over: dict[str, int] = field(default_factory=dict)
    temporary: int = 0
    review_overdue: int = 0
    review_soon: int = 0
    filed_this_year: int = 0
    relieved_this_year: int = 0
    by_tier: dict[int | None, int] = field(default_factory=dict)  # filed households
    by_cause: dict[int | None, int] = field(default_factory=dict)  # filed households with each cause
    visits_overdue: int = 0
    months: list[dt.date] = field(default_factory=list)
    # month -> unit id -> households, required, made (visits.selectors.compliance_counts_for_user)
    compliance: dict[dt.date, dict[int, dict[str, int]]] = field(default_factory=dict)
    waiting: int = 0
    waiting_buckets: dict[str, int] = field(default_factory=dict)
    oldest_waiting: dt.datetime | None = None
    # (kind id, name_zh, name_en, funds, available, reserved)
    funds: list[tuple[int, str, str, int, Decimal, Decimal]] = field(default_factory=list)
    # unit id -> check code -> count of the unit's own files (or requests)
    quality: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def open_total(self) -> int:
        """The active caseload: formal files neither closed nor handed to government support."""
        return sum(n for s, n in self.by_status.items() if s not in INACTIVE_STATUSES)

    def handed_over_rows(self) -> list[tuple[str, int]]:
        return [
            (label, self.handed_over[value]) for value, label in HandoverReason.choices if value in self.handed_over
        ]

    def status_rows(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every status, zero included."""
        return [(value, label, self.by_status.get(value, 0)) for value, label in FileStatus.choices]


def _cache_key(user, today: dt.date) -> str:
    units = ",".join(str(pk) for pk in sorted(scope_for(user).unit_ids))
    digest = hashlib.blake2b(units.encode(), digest_size=12).hexdigest()
    return f"dashboard:{current_version()}:{today:%Y%m%d}:{digest}"


# Stale figures are shown while one request recomputes them, for at most this many times the cache time.
STALE_FACTOR = 10
# How long a recompute may hold the scope's lock before another request may try (it normally takes seconds).
RECOMPUTE_LOCK_SECONDS = 60


def scope_figures(*, user, today: dt.date | None = None) -> ScopeFigures:
    """The figures of the user's scope, from the cache when another user of the same scope read them lately."""
    today = today or timezone.localdate()
    seconds = settings.HARDSHIP["DASHBOARD_CACHE_SECONDS"]
    if seconds <= 0:
        return compute_figures(user=user, today=today)
    key = _cache_key(user, today)
    figures = cache.get(key)
    fresh = figures is not None and (timezone.now() - figures.computed_at).total_seconds() < seconds
    # One request recomputes stale figures; the others show them meanwhile. With none cached, everyone computes.
    if not fresh and (figures is None or cache.add(f"{key}:recompute", 1, RECOMPUTE_LOCK_SECONDS)):
        figures = compute_figures(user=user, today=today)
        cache.set(key, figures, seconds * STALE_FACTOR)
        cache.delete(f"{key}:recompute")
    return figures


def compute_figures(*, user, today: dt.date) -> ScopeFigures:
    figures = ScopeFigures(computed_at=timezone.now(), today=today)
    with without_jit():
        _file_overview(figures, user, today)
        _file_quality(figures, user, today)
        _causes(figures, user)
        _visits(figures, user, today)
        _aid(figures, user)
        _funds(figures, user)
    return figures


def _file_overview(figures: ScopeFigures, user, today: dt.date) -> None:
    """Files by status, kind, hand-over reason and tier, with the year's and the reviews' figures: one query."""
    soon = today + dt.timedelta(days=settings.HARDSHIP["REVIEW_DUE_SOON_DAYS"])
    filed = Q(status=FileStatus.FILED)
    rows = (
        file_list_for_user(user=user)
        .order_by()
        .values("status", "kind", "handover_reason", "tier_id")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=filed & Q(review_due_on__lt=today)),
            soon=Count("pk", filter=filed & Q(review_due_on__gte=today, review_due_on__lte=soon)),
            # The annual summary's own conditions: its drill-down lists the same households.
            filed_year=Count("pk", filter=file_metric_q("filed", today.year)),
            relieved_year=Count("pk", filter=file_metric_q("relieved", today.year)),
        )
    )
    for row in rows:
        if row["kind"] == FileKind.TEMPORARY:
            figures.temporary += row["n"] if row["status"] != FileStatus.CLOSED else 0
            continue
        status = row["status"]
        figures.by_status[status] = figures.by_status.get(status, 0) + row["n"]
        if status == FileStatus.HANDED_OVER:
            reason = row["handover_reason"]
            figures.handed_over[reason] = figures.handed_over.get(reason, 0) + row["n"]
        if status == FileStatus.FILED:
            figures.by_tier[row["tier_id"]] = figures.by_tier.get(row["tier_id"], 0) + row["n"]
        figures.review_overdue += row["overdue"]
        figures.review_soon += row["soon"]
        figures.filed_this_year += row["filed_year"]
        figures.relieved_this_year += row["relieved_year"]


def _file_quality(figures: ScopeFigures, user, today: dt.date) -> None:
    """Every file check counted per unit: one grouped query, the same conditions the file list filters by."""
    checks = {check.code: Count("pk", filter=check.condition(today)) for check in file_checks()}
    rows = file_list_for_user(user=user).order_by().values("unit_id").annotate(**checks)
    for row in rows:
        figures.quality[row.pop("unit_id")] = row


def _causes(figures: ScopeFigures, user) -> None:
    rows = (
        # Every cause of a household, not only its primary one: the file list's cause filter lists the same.
        FileCause.objects.filter(file__status=FileStatus.FILED, file__in=file_list_for_user(user=user))
        .order_by()
        .values("cause_id")
        .annotate(n=Count("pk"))
    )
    figures.by_cause = {row["cause_id"]: row["n"] for row in rows}


def _visits(figures: ScopeFigures, user, today: dt.date) -> None:
    """Households overdue for a visit now (one query) and compliance over the last months (one query)."""
    month = month_start(today)
    overdue = ~visited_now_q(month) & missed_before_q(month)
    figures.visits_overdue = (
        file_list_for_user(user=user).filter(obligated_q(month)).aggregate(n=Count("pk", filter=overdue))["n"]
    )
    figures.months = [add_months(month, -i) for i in range(TREND_MONTHS)]
    figures.compliance = compliance_counts_for_user(user=user, months=figures.months)


def _aid(figures: ScopeFigures, user) -> None:
    """Requests awaiting approval by how long they have waited, and requests missing evidence per unit."""
    now = timezone.now()
    waiting = Q(status=AidStatus.IN_APPROVAL)
    soon = now - dt.timedelta(days=WAIT_SOON_DAYS)
    late = now - dt.timedelta(days=settings.HARDSHIP["AID_ESCALATE_AFTER_DAYS"])
    rows = (
        with_waiting_since(AidRequest.objects.visible_to(user))
        .order_by()
        .values(unit_id=F("file__unit_id"))
        .annotate(
            waiting=Count("pk", filter=waiting),
            recent=Count("pk", filter=waiting & Q(waiting_since__gte=soon)),
            late=Count("pk", filter=waiting & Q(waiting_since__lt=late)),
            oldest=Min("waiting_since", filter=waiting),
            missing_evidence=Count("pk", filter=missing_evidence_q()),
        )
    )
    buckets: Counter = Counter()
    for row in rows:
        figures.waiting += row["waiting"]
        buckets.update(recent=row["recent"], late=row["late"], middle=row["waiting"] - row["recent"] - row["late"])
        if row["oldest"] and (figures.oldest_waiting is None or row["oldest"] < figures.oldest_waiting):
            figures.oldest_waiting = row["oldest"]
        figures.quality.setdefault(row["unit_id"], {})["missing_evidence"] = row["missing_evidence"]
    figures.waiting_buckets = dict(buckets)


def _funds(figures: ScopeFigures, user) -> None:
    rows = (
        fund_list_for_user(user=user)
        .filter(is_active=True)
        .order_by("kind__order", "kind_id")
        .values("kind_id", "kind__name_zh", "kind__name_en")
        .annotate(n=Count("pk"), available=Sum("balance__available"), reserved=Sum("balance__reserved"))
    )
    zero = Decimal("0.00")
    figures.funds = [
        (r["kind_id"], r["kind__name_zh"], r["kind__name_en"], r["n"], r["available"] or zero, r["reserved"] or zero)
        for r in rows
    ]
