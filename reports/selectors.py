"""Reads of reports that depend on the user: a report is seen by whoever's scope holds its unit."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from org.models import Unit
from org.scoping import scope_for

from .models import Report, SummarySnapshot


def report_list_for_user(*, user) -> QuerySet:
    return Report.objects.visible_to(user)


def report_get_for_user(*, user, pk: int) -> Report:
    """The report if its unit is in the user's scope; 404 whether it is out of scope or does not exist."""
    return get_object_or_404(report_list_for_user(user=user).select_related("unit", "requested_by"), pk=pk)


def report_household(report: Report) -> int | None:
    """The household a report prints (a hardship card), for the access log; None for a report on a unit."""
    return report.params.get("pk") if report.kind == "hardship_card" else None


def my_reports(*, user) -> QuerySet:
    return report_list_for_user(user=user).filter(requested_by=user).select_related("unit")


def unit_get_for_user(*, user, pk) -> Unit:
    """A unit in the user's scope; 404 otherwise."""
    return get_object_or_404(Unit.objects.filter(pk__in=scope_for(user).unit_ids), pk=pk)


def snapshot_for(*, unit: Unit, year: int) -> SummarySnapshot | None:
    return SummarySnapshot.objects.filter(unit=unit, year=year).select_related("finalised_by").first()
