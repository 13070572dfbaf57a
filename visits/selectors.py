"""Reads that depend on the user or the month: due and overdue households, compliance, flags.

Obligations are computed in the database: a household's visiting period depends on its
tier's frequency, and the few distinct frequencies each become one condition
(`tier in (...) AND EXISTS(visit in that period)`), so a page costs the same
number of queries for 10 households or 100,000.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language

from cases.models import HardshipFile, Tier
from cases.selectors import config_items, file_list_for_user
from cases.workflow import CADRE_ROLES, FileStatus
from hardship.versioned import bump, remember
from org.scoping import scope_for

from .models import Holiday, MonitoringFlag, Visit, VisitAttachment, VisitFrequency, VisitKind
from .periods import add_months, period_bounds

MONTHLY = 1
# Cadres and chairs visit and handle flags; federation staff read.
RECORD_ROLES = CADRE_ROLES
HANDLE_ROLES = CADRE_ROLES
VISITABLE_STATUSES = frozenset({FileStatus.FILED, FileStatus.RELIEVED})


def can_record_visit(*, user, hfile: HardshipFile) -> bool:
    return hfile.status in VISITABLE_STATUSES and bool(scope_for(user).roles_at(hfile.unit) & RECORD_ROLES)


def can_handle_flag(*, user, flag: MonitoringFlag) -> bool:
    return flag.is_open and bool(scope_for(user).roles_at(flag.file.unit) & HANDLE_ROLES)


# --- configuration, cached per data version ---------------------------------------------------


def frequency_groups() -> dict[int, list[int]]:
    """every_months -> ids of the tiers visited that often; tiers without a setting are monthly."""

    def compute() -> dict[int, list[int]]:
        every = dict(VisitFrequency.objects.values_list("tier_id", "every_months"))
        groups: dict[int, list[int]] = {MONTHLY: []}
        for tier in config_items(Tier):
            groups.setdefault(every.get(tier.pk, MONTHLY), []).append(tier.pk)
        return groups

    return remember(("visits", "frequencies"), compute)


def holidays() -> list[Holiday]:
    return remember(("visits", "holidays"), lambda: list(Holiday.objects.all()))


@receiver([post_save, post_delete], sender=VisitFrequency)
@receiver([post_save, post_delete], sender=Holiday)
def _visit_configuration_changed(**kwargs) -> None:
    bump()


def holiday_window(holiday: Holiday) -> tuple[dt.date, dt.date]:
    """[first, last] day on which a holiday visit counts: from a few days before the window to its end."""
    lead = dt.timedelta(days=settings.HARDSHIP["HOLIDAY_VISIT_LEAD_DAYS"])
    return holiday.starts_on - lead, holiday.ends_on


def holidays_open_in(month: dt.date) -> list[Holiday]:
    """Holidays whose visiting window overlaps the month."""
    end = add_months(month, 1)
    return [h for h in holidays() if holiday_window(h)[0] < end and holiday_window(h)[1] >= month]


def holidays_closing_in(month: dt.date) -> list[Holiday]:
    """Holidays whose window ends in the month: compliance counts them there."""
    return [h for h in holidays() if month <= h.ends_on < add_months(month, 1)]


# --- the obligation conditions ------------------------------------------------------------------


def tier_every_q(every: int) -> Q:
    q = Q(tier__in=frequency_groups().get(every, []))
    return q | Q(tier__isnull=True) if every == MONTHLY else q


def obligated_q(month: dt.date) -> Q:
    """Households owed visits in `month`: filed ones, and relieved ones still in their transition period."""
    return Q(status=FileStatus.FILED) | Q(status=FileStatus.RELIEVED, transition_ends_on__gte=month)


def obligated_files(qs: QuerySet, month: dt.date, *, filed_only: bool = False) -> QuerySet:
    if filed_only:
        return qs.filter(status=FileStatus.FILED)
    return qs.filter(obligated_q(month))


def _groups() -> list[tuple[Q, int, str]]:
    """(which households, every how many months, the date their obligations start from)."""
    relieved = (Q(status=FileStatus.RELIEVED), settings.HARDSHIP["RELIEF_CHECKIN_EVERY_MONTHS"], "relieved_on")
    filed = [(Q(status=FileStatus.FILED) & tier_every_q(every), every, "filed_on") for every in frequency_groups()]
    return [relieved, *filed]


def _visit_between(start: dt.date, end: dt.date, **extra) -> Exists:
    return Exists(Visit.objects.filter(file=OuterRef("pk"), visited_on__gte=start, visited_on__lt=end, **extra))


def visited_now_q(month: dt.date) -> Q:
    """The household had a visit in its current period."""
    q = Q(pk__in=[])
    for which, every, _since in _groups():
        q |= which & _visit_between(*period_bounds(month, every))
    return q


def longest_period() -> int:
    """The longest visiting period in months, of any tier or of relieved households."""
    return max(every for _which, every, _since in _groups())


def visited_in_mask_q(month: dt.date, mask, bit_of: Callable[[dt.date], int]) -> Q:
    """As visited_now_q, read from `mask`, a bit mask of the months visited (month -> bit: `bit_of`)."""
    q = Q(pk__in=[])
    for which, every, _since in _groups():
        start, end = period_bounds(month, every)
        bits = sum(1 << bit_of(add_months(start, i)) for i in range(every))
        q |= which & Q(GreaterThan(mask.bitand(bits), 0))
    return q


def visited_periods_mask(mask) -> Case:
    """`mask` (a bit per month visited, consecutive months on consecutive bits) turned into a bit per month whose
    visiting period, as it would end that month, had a visit: the bits of the `every` months up to each month,
    OR-ed, for the household's group. Read it only at the months where the household's period ends
    (period_ends_q): there the `every` months up to the month are its period (period_bounds)."""
    whens = []
    for which, every, _since in _groups():
        spread = mask
        for shift in range(1, every):
            spread = spread.bitor(mask.bitleftshift(shift))
        whens.append(When(which, then=spread))
    return Case(*whens, default=Value(0), output_field=BigIntegerField())


def missed_before_q(month: dt.date) -> Q:
    """The household was owed a visit in its previous period and did not get one."""
    q = Q(pk__in=[])
    for which, every, since in _groups():
        start, _end = period_bounds(month, every)
        owed = Q(**{f"{since}__lt": start}) | Q(**{f"{since}__isnull": True})
        q |= which & owed & ~_visit_between(*period_bounds(add_months(start, -1), every))
    return q


def period_ends_q(month: dt.date) -> Q:
    """The household's current period ends with this month and it was on file by then: compliance counts it."""
    q = Q(pk__in=[])
    for which, every, since in _groups():
        end = period_bounds(month, every)[1]
        if end == add_months(month, 1):
            q |= which & (Q(**{f"{since}__lt": end}) | Q(**{f"{since}__isnull": True}))
    return q


def holiday_visited_q(holiday: Holiday) -> Q:
    first, last = holiday_window(holiday)
    return Q(_visit_between(first, last + dt.timedelta(days=1), kind=VisitKind.HOLIDAY))


def holiday_pending_q(month: dt.date) -> Q:
    q = Q(pk__in=[])
    for holiday in holidays_open_in(month):
        q |= ~holiday_visited_q(holiday)
    return q


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


# --- "My visits" --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueRow:
    pk: int
    name: str
    address: str
    phone: str
    unit: str
    relieved: bool
    holiday_pending: bool
    last_visited_on: dt.date | None
    url: str
    record_url: str


@dataclass
class VisitBoard:
    month: dt.date
    due: list[DueRow] = field(default_factory=list)
    overdue: list[DueRow] = field(default_factory=list)
    done: list[DueRow] = field(default_factory=list)
    holidays: list[Holiday] = field(default_factory=list)


DUE_COLUMNS = ("pk", "name", "address", "phone", "unit_id", "status", "done", "overdue", "holiday_pending")
DUE_COLUMNS = (*DUE_COLUMNS, "last_visited_on")


def visit_board_for_user(*, user, today: dt.date, mine: bool) -> VisitBoard:
    """The households owed a visit this month, split into overdue, due and done, in one query."""
    month = today.replace(day=1)
    qs = obligated_files(file_list_for_user(user=user), month)
    if mine:
        qs = qs.filter(plan__helpers__user=user)
    last = Visit.objects.filter(file=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1]
    rows = (
        qs.annotate(
            done=_flag(visited_now_q(month)),
            overdue=_flag(missed_before_q(month)),
            holiday_pending=_flag(holiday_pending_q(month)),
            last_visited_on=Subquery(last),
        )
        .order_by("name", "pk")
        .values(*DUE_COLUMNS)
    )
    units = _unit_names(user)
    board = VisitBoard(month=month, holidays=holidays_open_in(month))
    # Formatted, not reversed per row: a cadre's board lists hundreds of households.
    url = reverse("cases:file_detail", args=[0]).replace("/0/", "/{}/")
    record_url = reverse("visits:visit_create", args=[0]).replace("/0/", "/{}/") + "?from=board"
    for r in rows:
        row = DueRow(
            pk=r["pk"],
            name=r["name"],
            address=r["address"],
            phone=r["phone"],
            unit=units.get(r["unit_id"], ""),
            relieved=r["status"] == FileStatus.RELIEVED,
            holiday_pending=bool(r["holiday_pending"]),
            last_visited_on=r["last_visited_on"],
            url=url.format(r["pk"]),
            record_url=record_url.format(r["pk"]),
        )
        if r["done"] and not row.holiday_pending:
            board.done.append(row)
        elif r["overdue"] and not r["done"]:
            board.overdue.append(row)
        else:
            board.due.append(row)
    return board


def _unit_names(user) -> dict[int, str]:
    english = (get_language() or "").startswith("en")
    return {pk: (en or zh) if english else zh for pk, _path, zh, en in scope_for(user).units}


def due_by_helper_for_user(*, user, month: dt.date) -> list[dict]:
    """Per responsible helper in scope: households owed a visit this month, and how many are still open."""
    qs = obligated_files(file_list_for_user(user=user), month).filter(plan__helpers__isnull=False)
    return list(
        qs.order_by()
        .values("plan__helpers__user", "plan__helpers__user__first_name", "plan__helpers__user__last_name")
        .annotate(
            households=Count("pk"),
            open=Count("pk", filter=~visited_now_q(month) | holiday_pending_q(month)),
            overdue=Count("pk", filter=~visited_now_q(month) & missed_before_q(month)),
        )
        .order_by("plan__helpers__user__last_name", "plan__helpers__user")
    )


# --- compliance ----------------------------------------------------------------------------------


@dataclass
class ComplianceRow:
    unit_pk: int
    name: str
    depth: int
    households: int = 0
    required: int = 0
    made: int = 0
    visits: int = 0

    @property
    def rate(self) -> int | None:
        """Per cent of required visits made, or None when none was required."""
        return round(100 * self.made / self.required) if self.required else None


def compliance_for_user(*, user, month: dt.date) -> list[ComplianceRow]:
    """Visits made against visits required in `month`, per unit in scope, each with the units below it."""
    per_unit = compliance_counts_for_user(user=user, months=[month])[month]
    visits = (
        Visit.objects.visible_to(user)
        .filter(visited_on__gte=month, visited_on__lt=add_months(month, 1))
        .order_by()
        .values("file__unit_id")
        .annotate(n=Count("pk"))
    )
    for r in visits:
        per_unit.setdefault(r["file__unit_id"], {})["visits"] = r["n"]
    return _roll_up(user, per_unit)


@dataclass(frozen=True)
class ComplianceMonths:
    """One unit's compliance over several months, for the dashboard."""

    unit_pk: int
    name: str
    depth: int
    months: list[ComplianceRow]


def compliance_months_for_user(*, user, months: list[dt.date], max_depth: int = 1) -> list[ComplianceMonths]:
    """Compliance per unit in scope (the top units and `max_depth` levels below) for each month, in one query."""
    counts = compliance_counts_for_user(user=user, months=months)
    return compliance_months_from_counts(user=user, months=months, counts=counts, max_depth=max_depth)


def compliance_months_from_counts(
    *, user, months: list[dt.date], counts: dict[dt.date, dict[int, dict[str, int]]], max_depth: int = 1
) -> list[ComplianceMonths]:
    """compliance_months_for_user() from counts already read (the dashboard caches them)."""
    by_month = [_roll_up(user, counts[month]) for month in months]
    return [
        ComplianceMonths(unit_pk=row.unit_pk, name=row.name, depth=row.depth, months=[rows[i] for rows in by_month])
        for i, row in enumerate(by_month[0])
        if row.depth <= max_depth
    ]


def compliance_counts_for_user(*, user, months: list[dt.date]) -> dict[dt.date, dict[int, dict[str, int]]]:
    """month -> unit id -> households, required and made, from one aggregate over the files in scope."""
    aggregates, closing = {}, {}
    for i, month in enumerate(months):
        owed, ends = obligated_q(month), period_ends_q(month)
        closing[month] = holidays_closing_in(month)
        aggregates[f"households_{i}"] = Count("pk", filter=owed)
        aggregates[f"required_{i}"] = Count("pk", filter=owed & ends)
        aggregates[f"made_{i}"] = Count("pk", filter=owed & ends & visited_now_q(month))
        for j, holiday in enumerate(closing[month]):
            aggregates[f"holiday_made_{i}_{j}"] = Count("pk", filter=owed & holiday_visited_q(holiday))
    owed_any = Q(pk__in=[])
    for month in months:
        owed_any |= obligated_q(month)
    rows = file_list_for_user(user=user).filter(owed_any).order_by().values("unit_id").annotate(**aggregates)
    counts: dict[dt.date, dict[int, dict[str, int]]] = {month: {} for month in months}
    for r in rows:
        for i, month in enumerate(months):
            holidays_made = sum(r[f"holiday_made_{i}_{j}"] for j in range(len(closing[month])))
            counts[month][r["unit_id"]] = {
                "households": r[f"households_{i}"],
                "required": r[f"required_{i}"] + r[f"households_{i}"] * len(closing[month]),
                "made": r[f"made_{i}"] + holidays_made,
            }
    return counts


def _roll_up(user, per_unit: dict[int, dict[str, int]]) -> list[ComplianceRow]:
    scope = scope_for(user)
    names = dict(scope.unit_choices())
    totals = scope.roll_up(per_unit)
    top = min((path.count("/") for _pk, path, _zh, _en in scope.units), default=0)
    return [
        ComplianceRow(
            unit_pk=pk,
            name=names[pk].strip("\u2003"),
            depth=path.count("/") - top,
            **{key: totals[pk][key] for key in ("households", "required", "made", "visits")},
        )
        for pk, path, _zh, _en in scope.units
    ]


# --- visits, attachments and flags --------------------------------------------------------------


def visits_for_file(*, hfile: HardshipFile) -> QuerySet:
    return hfile.visits.select_related("reason", "recorded_by").prefetch_related("visitors", "attachments")


def visit_get_for_user(*, user, pk: int) -> Visit:
    qs = Visit.objects.visible_to(user).select_related("file__unit", "reason", "recorded_by")
    return get_object_or_404(qs.prefetch_related("visitors", "attachments"), pk=pk)


def attachment_get_for_user(*, user, pk: int) -> VisitAttachment:
    return get_object_or_404(VisitAttachment.objects.visible_to(user).select_related("visit__file"), pk=pk)


def flags_for_user(*, user, handled: bool = False) -> QuerySet:
    qs = MonitoringFlag.objects.visible_to(user).filter(handled_at__isnull=not handled)
    return qs.select_related("file", "handled_by", "visit__reason")


def flag_get_for_user(*, user, pk: int) -> MonitoringFlag:
    return get_object_or_404(MonitoringFlag.objects.visible_to(user).select_related("file__unit"), pk=pk)
