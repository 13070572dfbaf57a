"""The visits card on a hardship file's page: the cases app renders it without importing visits."""

from django import template
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from cases.models import HardshipFile

from ..models import MonitoringFlag, Outcome, Visit, VisitKind
from ..selectors import can_record_visit

register = template.Library()


def _count(qs) -> Coalesce:
    counted = qs.order_by().values("file").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@register.inclusion_tag("visits/includes/file_visits_card.html", takes_context=True)
def visits_card(context, hfile: HardshipFile) -> dict:
    """Visit count, the latest visit and the open flags of a file the view has already scoped, in one query."""
    latest = Visit.objects.filter(file=OuterRef("pk")).order_by("-visited_on", "-pk")
    summary = (
        HardshipFile.objects.filter(pk=hfile.pk)
        .values("pk")
        .annotate(
            visits=_count(Visit.objects.filter(file=OuterRef("pk"))),
            flags=_count(MonitoringFlag.objects.open().filter(file=OuterRef("pk"))),
            last_pk=Subquery(latest.values("pk")[:1]),
            last_on=Subquery(latest.values("visited_on")[:1]),
            last_kind=Subquery(latest.values("kind")[:1]),
            last_outcome=Subquery(latest.values("outcome")[:1]),
        )
        .get()
    )
    if summary["last_pk"]:
        summary["last_kind_label"] = VisitKind(summary["last_kind"]).label
        summary["last_outcome_label"] = Outcome(summary["last_outcome"]).label
    return {
        "file": hfile,
        "summary": summary,
        "can_record": can_record_visit(user=context["request"].user, hfile=hfile),
    }
