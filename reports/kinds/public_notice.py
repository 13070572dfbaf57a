"""The public notice (公示) list as a PDF to post: the households with masked names and ID numbers."""

from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.notice_models import NoticeEntry, Objection, PublicNotice
from cases.notice_selectors import notice_rows
from hardship.versioned import current_version
from org.models import Role, Unit

from ..forms import PublicNoticeForm
from . import DataGone, ReportKind, register


def fingerprint(report) -> list:
    notice_id = report.params["pk"]
    return [
        current_version(),
        PublicNotice.objects.filter(pk=notice_id)
        .values_list("unit_id", "title", "starts_on", "ends_on", "contact")
        .first(),
        NoticeEntry.objects.filter(notice_id=notice_id).aggregate(n=Count("pk"), last=Max("pk")),
        Objection.objects.filter(entry__notice_id=notice_id).aggregate(n=Count("pk"), last=Max("pk")),
    ]


def build(report, progress) -> dict:
    notice = PublicNotice.objects.select_related("unit").get(pk=report.params["pk"])
    if notice.unit_id != report.unit_id:
        raise DataGone(_("It now belongs to another unit: ask for the document again from its page."))
    # Names and ID numbers are masked whoever asks: the list is posted for everyone to read.
    return {"notice": notice, "rows": notice_rows(user=report.requested_by, notice=notice)}


def title(unit: Unit, params: dict) -> str:
    name = PublicNotice.objects.filter(pk=params["pk"]).values_list("title", flat=True).first() or ""
    return _("Public notice · %(title)s") % {"title": name}


register(
    ReportKind(
        code="public_notice",
        label=gettext_lazy("Public notice"),
        form=PublicNoticeForm,
        roles=frozenset({Role.CADRE, Role.BRANCH_CHAIR, Role.FEDERATION_STAFF}),
        template="pdf/public_notice.html",
        build=build,
        fingerprint=fingerprint,
        title=title,
    )
)
