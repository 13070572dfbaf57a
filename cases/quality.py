"""Data-quality checks on hardship files: each a named condition that the dashboard counts per unit and the
file list lists (`?quality=<code>`), so a count and the list behind it can never disagree.

Checks about other apps' data (a household never aided) are registered by those apps at start-up
(see funds.quality): cases never imports them.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hardship.months import add_months

from .models import PlanHelper
from .workflow import INACTIVE_STATUSES, FileStatus


@dataclass(frozen=True)
class FileCheck:
    code: str
    order: int
    label: Promise
    help: Promise
    # The files that fail the check, as a condition on HardshipFile, for a given day.
    condition: Callable[[dt.date], Q]


FILE_CHECKS: dict[str, FileCheck] = {}


def register(check: FileCheck) -> FileCheck:
    FILE_CHECKS[check.code] = check
    return check


def file_checks() -> list[FileCheck]:
    """Every registered check, in the dashboard's column order."""
    return sorted(FILE_CHECKS.values(), key=lambda check: check.order)


def stale_since(today: dt.date) -> dt.datetime:
    """Midnight, twelve months before today's month: a file not saved since is stale."""
    day = add_months(today, -12).replace(day=min(today.day, 28))
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def _stale(today: dt.date) -> Q:
    return ~Q(status__in=INACTIVE_STATUSES) & Q(updated_at__lt=stale_since(today))


def _no_helper(today: dt.date) -> Q:
    return Q(status=FileStatus.FILED) & ~Q(Exists(PlanHelper.objects.filter(plan__file=OuterRef("pk"))))


def _review_overdue(today: dt.date) -> Q:
    return Q(status=FileStatus.FILED, review_due_on__lt=today)


def _tier_disagrees(today: dt.date) -> Q:
    # A chair's override with a written reason disagrees too: it is listed (and counted), not hidden.
    return (
        ~Q(status__in=INACTIVE_STATUSES)
        & Q(suggested_tier__isnull=False)
        & (Q(tier__isnull=True) | ~Q(tier=F("suggested_tier")))
    )


STALE = register(
    FileCheck(
        "stale",
        10,
        _("Unchanged for 12 months"),
        _("Active files whose card has not been saved for twelve months."),
        _stale,
    )
)
NO_HELPER = register(
    FileCheck(
        "no_helper",
        30,
        _("No responsible helper"),
        _("Filed households without a named responsible helper in their plan."),
        _no_helper,
    )
)
REVIEW_OVERDUE = register(
    FileCheck(
        "review_overdue",
        40,
        _("Review overdue"),
        _("Filed households whose annual review date has passed."),
        _review_overdue,
    )
)
TIER_DISAGREES = register(
    FileCheck(
        "tier_disagrees",
        50,
        _("Tier differs from the suggestion"),
        _("Active files whose tier is not the one computed from their figures (chairs' overrides included)."),
        _tier_disagrees,
    )
)
