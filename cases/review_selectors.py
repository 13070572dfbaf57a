"""Reads of annual reviews: reviews due for a helper, overdue reviews per unit. All start from the user's scope."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils.translation import get_language

from org.scoping import scope_for

from .models import HardshipFile
from .notice_models import DEFAULT_REVIEW_LEAD_DAYS, FederationPolicy
from .review_models import AnnualReview
from .selectors import file_list_for_user
from .workflow import CADRE_ROLES, FileStatus

REVIEW_COLUMNS = ("pk", "name", "unit_id", "review_due_on", "overdue")


def can_review(*, user, hfile: HardshipFile) -> bool:
    return hfile.status == FileStatus.FILED and bool(scope_for(user).roles_at(hfile.unit) & CADRE_ROLES)


def review_window_q(today: dt.date) -> Q:
    """Filed households whose review is due within their federation's lead days, or overdue (one query)."""
    leads = dict(FederationPolicy.objects.values_list("federation_id", "review_lead_days"))
    q = ~Q(federation_id__in=list(leads)) & Q(review_due_on__lte=today + dt.timedelta(days=DEFAULT_REVIEW_LEAD_DAYS))
    for federation_id, days in leads.items():
        q |= Q(federation_id=federation_id, review_due_on__lte=today + dt.timedelta(days=days))
    return Q(status=FileStatus.FILED, review_due_on__isnull=False) & q


def overdue_flag(today: dt.date) -> ExpressionWrapper:
    return ExpressionWrapper(Q(review_due_on__lt=today), output_field=BooleanField())


def reviews_due_for_user(*, user, today: dt.date, mine: bool) -> QuerySet:
    """Value rows of the households whose review task is open: the user's own (as a helper) or all in scope."""
    qs = file_list_for_user(user=user).filter(review_window_q(today))
    if mine:
        qs = qs.filter(plan__helpers__user=user)
    return qs.annotate(overdue=overdue_flag(today)).values(*REVIEW_COLUMNS)


@dataclass(frozen=True)
class UnitOverdue:
    pk: int
    name: str
    depth: int
    own: int
    total: int


def overdue_by_unit_for_user(*, user, today: dt.date) -> list[UnitOverdue]:
    """Every unit in scope with its overdue reviews, its own and with the units below: one grouped query."""
    counts = dict(
        file_list_for_user(user=user)
        .filter(status=FileStatus.FILED, review_due_on__lt=today)
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("pk"))
    )
    english = (get_language() or "").startswith("en")
    units = scope_for(user).units
    paths = {pk: path for pk, path, _zh, _en in units}
    totals: dict[str, int] = {}
    for pk, n in counts.items():
        path = paths.get(pk, "")
        # Every ancestor path is a prefix ending at a "/": add the count to each.
        for end in (i + 1 for i, char in enumerate(path) if char == "/"):
            totals[path[:end]] = totals.get(path[:end], 0) + n
    top = min((path.count("/") for path in paths.values()), default=0)
    return [
        UnitOverdue(pk, (en or zh) if english else zh, path.count("/") - top, counts.get(pk, 0), totals[path])
        for pk, path, zh, en in units
        if totals.get(path)
    ]


def overdue_files_for_user(*, user, today: dt.date, unit_pk: int | None = None) -> QuerySet:
    """Filed households in scope whose review is overdue, optionally under one unit in scope."""
    qs = file_list_for_user(user=user).filter(status=FileStatus.FILED, review_due_on__lt=today)
    scope = scope_for(user)
    path = next((p for pk, p, _zh, _en in scope.units if pk == unit_pk), None)
    if path is not None:
        qs = qs.filter(unit__path__startswith=path)
    return qs.annotate(overdue=overdue_flag(today)).values(*REVIEW_COLUMNS)


def reviews_for_file(hfile: HardshipFile) -> QuerySet:
    return AnnualReview.objects.filter(file=hfile).select_related("reviewed_by")
