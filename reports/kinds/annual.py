"""The annual summary as a report kind: finalised figures when the year is finalised, else computed now."""

from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import HardshipFile
from funds.models import AidRequest, Entry
from hardship.versioned import current_version
from org.models import Role, Unit
from visits.models import Visit

from ..annual import annual_figures, subtree_unit_ids
from ..forms import AnnualSummaryForm
from ..models import SummarySnapshot
from ..summary import corrections, summary_context
from . import ReportKind, register


def fingerprint(report) -> list:
    """What the summary reads, in a few aggregates: any change to a file, visit, request or entry changes it."""
    ids = subtree_unit_ids(report.unit)
    snapshot = SummarySnapshot.objects.filter(unit=report.unit, year=report.params["year"]).values("finalised_at")
    return [
        current_version(),
        list(snapshot),
        HardshipFile.objects.filter(unit_id__in=ids).aggregate(n=Count("pk"), at=Max("updated_at")),
        Visit.objects.filter(file__unit_id__in=ids).aggregate(n=Count("pk"), last=Max("pk")),
        AidRequest.objects.filter(file__unit_id__in=ids).aggregate(n=Count("pk"), at=Max("updated_at")),
        Entry.objects.filter(fund__unit_id__in=ids).aggregate(n=Count("pk"), last=Max("pk")),
    ]


def build(report, progress) -> dict:
    year = report.params["year"]
    figures = annual_figures(unit=report.unit, year=year, progress=progress)
    snapshot = SummarySnapshot.objects.filter(unit=report.unit, year=year).select_related("finalised_by").first()
    context = summary_context(snapshot.figures if snapshot else figures, drill=False)
    context["snapshot"] = snapshot
    context["corrections"] = corrections(snapshot.figures, figures) if snapshot else []
    return context


def title(unit: Unit, params: dict) -> str:
    return _("Annual summary %(year)s · %(unit)s") % {"year": params["year"], "unit": unit.name}


register(
    ReportKind(
        code="annual_summary",
        label=gettext_lazy("Annual summary"),
        form=AnnualSummaryForm,
        roles=frozenset({Role.FEDERATION_STAFF, Role.BRANCH_CHAIR}),
        template="pdf/annual_summary.html",
        build=build,
        fingerprint=fingerprint,
        title=title,
    )
)
