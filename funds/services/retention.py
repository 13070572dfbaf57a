"""Retention for aid (called when cases anonymises closed files): the text goes, the amounts stay.

The requests' justification, event and occasion, the reasons for asking again and the
decisions' comments are replaced by ANONYMISED; uploaded evidence (invoices, certificates,
ID copies) is deleted, its file from storage once the transaction has committed. Documents
seen on paper keep their row (which item, when), with nothing that names anyone.
"""

from cases.retention import blank_text
from hardship.uploads import delete_stored_on_commit

from ..models import AidDecision, AidDocument, AidRequest


def aid_anonymise(*, file_ids: list[int]) -> int:
    """Anonymise the aid records of `file_ids`; returns how many uploaded documents were deleted."""
    blank_text(
        AidRequest,
        {"file_id__in": file_ids},
        ("justification", "event", "occasion", "occasion_key", "duplicate_reason"),
    )
    blank_text(AidDecision, {"request__file_id__in": file_ids}, ("comment",))
    uploads = AidDocument.objects.filter(request__file_id__in=file_ids).exclude(file="")
    delete_stored_on_commit(uploads)
    AidDocument.objects.filter(request__file_id__in=file_ids, on_paper=True).update(original_name="")
    deleted, _ = uploads.delete()
    return deleted
