"""The evidence checklist of a request: what it needs, what it has, and adding or removing documents.

An item is present when it has a document dated within the item's validity
period counted back from today; expired when every document it has is older;
missing when it has none. Submission (funds.services.aid) refuses a request
whose required items are not all present.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hardship.uploads import sniff_content_type

from ..models import AidDocument, AidRequest, EvidenceItem
from ..workflow import EDITABLE_STATUSES
from .guards import require_requester

PRESENT, EXPIRED, MISSING = "present", "expired", "missing"
STATE_LABELS = {PRESENT: gettext_lazy("Present"), EXPIRED: gettext_lazy("Expired"), MISSING: gettext_lazy("Missing")}


@dataclass(frozen=True)
class ChecklistRow:
    item: EvidenceItem
    documents: tuple[AidDocument, ...]
    state: str
    valid_until: dt.date | None

    @property
    def blocking(self) -> bool:
        return self.item.required and self.state != PRESENT

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    def describe(self) -> str:
        if self.state == EXPIRED:
            return _("%(item)s (expired on %(date)s)") % {"item": self.item, "date": f"{self.valid_until:%Y-%m-%d}"}
        return _("%(item)s (missing)") % {"item": self.item}


def _valid_until(item: EvidenceItem, document: AidDocument) -> dt.date | None:
    return None if item.valid_days is None else document.dated + dt.timedelta(days=item.valid_days)


def _row(item: EvidenceItem, documents: list[AidDocument], today: dt.date) -> ChecklistRow:
    if not documents:
        return ChecklistRow(item, (), MISSING, None)
    newest = max(documents, key=lambda d: d.dated)
    until = _valid_until(item, newest)
    state = PRESENT if until is None or until >= today else EXPIRED
    return ChecklistRow(item, tuple(documents), state, until)


def checklist(*, request: AidRequest, today: dt.date | None = None) -> list[ChecklistRow]:
    """Every active item of the request's type with its current documents and state (two queries)."""
    today = today or timezone.localdate()
    items = list(EvidenceItem.objects.filter(aid_type_id=request.aid_type_id, is_active=True))
    by_item: dict[int, list[AidDocument]] = {item.pk: [] for item in items}
    documents = AidDocument.objects.current().filter(request=request, item_id__in=by_item).select_related("added_by")
    for document in documents:
        by_item[document.item_id].append(document)
    return [_row(item, by_item[item.pk], today) for item in items]


def evidence_check(request: AidRequest) -> None:
    """Refuse a request whose required items are not all present and within their validity."""
    blocking = [row for row in checklist(request=request) if row.blocking]
    if blocking:
        raise ValidationError(
            _("The evidence checklist is not complete: %(items)s.")
            % {"items": "; ".join(row.describe() for row in blocking)},
            code="checklist",
        )


def _check_upload(upload: UploadedFile | None) -> str:
    if upload is None:
        raise ValidationError({"file": _("Choose a file, or record that the original was seen on paper.")})
    limit = settings.HARDSHIP["AID_DOCUMENT_MAX_BYTES"]
    if upload.size > limit:
        raise ValidationError(
            {"file": _("%(name)s is larger than %(limit)s.") % {"name": upload.name, "limit": filesizeformat(limit)}}
        )
    kind = sniff_content_type(upload)
    if kind is None:
        raise ValidationError({"file": _("%(name)s is not a photo (JPEG, PNG) or a PDF.") % {"name": upload.name}})
    return kind


def _editable_by(request: AidRequest, by) -> AidRequest:
    """The request, locked, if `by` may change its documents now."""
    request = AidRequest.objects.select_for_update(of=("self",)).select_related("file__unit").get(pk=request.pk)
    require_requester(by, request.file)
    if request.status not in EDITABLE_STATUSES:
        raise ValidationError(_("Documents can be changed only while the request is a draft or returned."))
    return request


@transaction.atomic
def aid_document_add(
    *, request: AidRequest, item: EvidenceItem, dated: dt.date, by, upload: UploadedFile | None = None,
    on_paper: bool = False,
) -> AidDocument:  # fmt: skip
    """Attach a copy of a document to a checklist item, or record that its original was seen on paper."""
    request = _editable_by(request, by)
    if item.aid_type_id != request.aid_type_id or not item.is_active:
        raise ValidationError({"item": _("This document is not on the checklist of the request's aid type.")})
    if dated > timezone.localdate():
        raise ValidationError({"dated": _("The date of the document cannot be in the future.")})
    limit = settings.HARDSHIP["AID_DOCUMENTS_PER_ITEM"]
    if AidDocument.objects.current().filter(request=request, item=item).count() >= limit:
        raise ValidationError({"file": _("At most %(n)d documents per item.") % {"n": limit}})
    document = AidDocument(request=request, item=item, dated=dated, added_by=by, on_paper=on_paper)
    if on_paper:
        if not item.paper_allowed:
            raise ValidationError({"on_paper": _("%(item)s must be uploaded as a copy.") % {"item": item}})
        document.save()
        return document
    document.content_type = _check_upload(upload)
    document.size, document.original_name = upload.size, upload.name[:200]
    document.file.save(upload.name, upload, save=False)
    document.save()
    return document


@transaction.atomic
def aid_document_remove(*, document: AidDocument, by) -> AidDocument:
    """Take a document off the checklist; its row stays, with who removed it and when."""
    _editable_by(document.request, by)
    document = AidDocument.objects.select_for_update().get(pk=document.pk)
    if document.removed_at is None:
        document.removed_at, document.removed_by = timezone.now(), by
        document.save(update_fields=["removed_at", "removed_by"])
    return document
