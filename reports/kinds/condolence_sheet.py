"""A holiday condolence batch's sign-off sheet (签领表): one line per household with a space to sign."""

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from funds.models import BatchLine, CondolenceBatch, LineStatus
from funds.selectors_batch import sheet_lines
from org.models import Unit

from ..forms import CondolenceSheetForm
from . import ALL_ROLES, DataGone, ReportKind, register


def fingerprint(report) -> list:
    batch_id = report.params["pk"]
    lines = BatchLine.objects.filter(batch_id=batch_id, file__unit__path__startswith=report.unit.path)
    return [
        CondolenceBatch.objects.filter(pk=batch_id).values_list("unit_id", "name", "status").first(),
        lines.aggregate(
            n=Count("pk"),
            last=Max("pk"),
            delivered=Count("pk", filter=Q(status=LineStatus.DELIVERED)),
            listed=Count("pk", filter=~Q(status__in=[LineStatus.EXCLUDED, LineStatus.CANCELLED])),
            on=Max("delivered_on"),
            households=Max("file__updated_at"),
        ),
    ]


def build(report, progress) -> dict:
    related = ("unit", "holiday", "fund")
    batch = CondolenceBatch.objects.select_related(*related).get(pk=report.params["pk"])
    if not report.unit.path.startswith(batch.unit.path):
        raise DataGone(_("It now belongs to another unit: ask for the document again from its page."))
    # The requester's scope holds the whole of the report's unit: the lines are the same for anyone who may see it.
    lines = list(sheet_lines(user=report.requested_by, batch=batch, below=report.unit.path))
    progress(40)
    return {"batch": batch, "lines": lines, "part": report.unit}


def title(unit: Unit, params: dict) -> str:
    name = CondolenceBatch.objects.filter(pk=params["pk"]).values_list("name", flat=True).first() or ""
    return _("Sign-off sheet · %(batch)s · %(unit)s") % {"batch": name, "unit": unit.name}


register(
    ReportKind(
        code="condolence_sheet",
        label=gettext_lazy("Sign-off sheet"),
        form=CondolenceSheetForm,
        roles=ALL_ROLES,
        template="pdf/condolence_sheet.html",
        build=build,
        fingerprint=fingerprint,
        title=title,
    )
)
