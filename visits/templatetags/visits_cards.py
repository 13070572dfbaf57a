"""Visits cards on pages of the cases app (a file's visits, the dashboard's compliance): cases never imports visits."""

from html import escape as esc

from django import template
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cases.models import HardshipFile

from ..models import MonitoringFlag, Outcome, Visit, VisitKind
from ..periods import add_months, month_start
from ..selectors import can_record_visit, compliance_months_for_user

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


@register.inclusion_tag("visits/includes/compliance_card.html", takes_context=True)
def compliance_card(context) -> dict:
    """The dashboard's compliance: this month and last, for the user's top units and the level below."""
    this_month = month_start(timezone.localdate())
    months = [this_month, add_months(this_month, -1)]
    return {"months": months, "units": compliance_months_for_user(user=context["request"].user, months=months)}


@register.simple_tag
def due_rows(rows: list, section: str, tone: str) -> str:
    """A section of "My visits" as HTML built in Python: a cadre's board lists hundreds of households,
    and a template loop over them cost more than the query (stdlib escaping, no lazy wrappers, per row).
    """
    holiday = f'<span class="badge text-bg-warning">{esc(_("Holiday"))}</span>'
    checkin = f'<span class="badge text-bg-info">{esc(_("Post-relief check-in"))}</span>'
    last_visit, record, tone = esc(_("Last visit")), esc(_("Record visit")), esc(tone)
    html = []
    for row in rows:
        where = esc(f"{row.unit} · {row.address}" if row.address else row.unit)
        badges = (holiday if row.holiday_pending else "") + (checkin if row.relieved else "")
        last = row.last_visited_on.isoformat() if row.last_visited_on else "—"
        button = ""
        if section != "done" or row.holiday_pending:
            button = f'<a class="btn btn-{tone} btn-record" href="{esc(row.record_url)}">{record}</a>'
        html.append(
            '<li class="d-flex justify-content-between align-items-center gap-2 py-2 border-top" '
            f'data-file="{row.pk}"><div>'
            f'<a href="{esc(row.url)}" class="fw-semibold">{esc(row.name)}</a>{badges}'
            f'<div class="small text-body-secondary">{where}</div>'
            f'<div class="small text-body-secondary">{last_visit}: {last}</div></div>{button}</li>'
        )
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped
