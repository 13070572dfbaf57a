"""Data-quality checks about aid: households never aided (a file check, registered with cases.quality) and
submitted requests missing a required document (the aid list's `?quality=missing_evidence`)."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cases.quality import FileCheck, register
from cases.workflow import FileStatus

from .models import AidDocument, AidRequest, BatchLine, EvidenceItem, LineStatus
from .workflow import AidStatus

MISSING_EVIDENCE = "missing_evidence"
# Drafts and returned requests cannot be submitted without their documents: only submitted ones are a gap.
SUBMITTED_STATUSES = (AidStatus.IN_APPROVAL, AidStatus.APPROVED, AidStatus.PAID)


def _never_aided(today: dt.date) -> Q:
    paid = AidRequest.objects.filter(file=OuterRef("pk"), status=AidStatus.PAID)
    delivered = BatchLine.objects.filter(file=OuterRef("pk"), status=LineStatus.DELIVERED)
    return Q(status=FileStatus.FILED) & ~Q(Exists(paid)) & ~Q(Exists(delivered))


NEVER_AIDED = register(
    FileCheck(
        "never_aided",
        20,
        _("Never aided"),
        _("Filed households that have never been paid aid nor received a condolence delivery."),
        _never_aided,
    )
)


def missing_evidence_q() -> Q:
    """Submitted requests with a required, active checklist item that has no current document.

    An item added to the checklist after submission, or a request from before the checklist, shows here.
    """
    documents = AidDocument.objects.current().filter(request=OuterRef(OuterRef("pk")), item=OuterRef("pk"))
    missing = EvidenceItem.objects.filter(aid_type=OuterRef("aid_type"), required=True, is_active=True).exclude(
        Exists(documents)
    )
    return Q(status__in=SUBMITTED_STATUSES) & Q(Exists(missing))
