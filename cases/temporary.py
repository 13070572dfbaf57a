"""Temporary files: a household just above the line holds one for temporary relief, and may later become formal.

A temporary file has the whole card (members, causes, finances) but is never filed:
it is left out of the formal counts and owes no visits. Converting it keeps every
field and every history row; the formal file then goes through identification as
any other (submit, investigate, file).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from org.scoping import scope_for

from .models import FileEvent, HardshipFile
from .workflow import CADRE_ROLES, FileKind, FileRecord, FileStatus

CONVERT_ROLES = CADRE_ROLES


def can_convert(*, user, hfile: HardshipFile) -> bool:
    return (
        hfile.kind == FileKind.TEMPORARY
        and hfile.status != FileStatus.CLOSED
        and bool(scope_for(user).roles_at(hfile.unit) & CONVERT_ROLES)
    )


@transaction.atomic
def file_convert_to_formal(*, hfile: HardshipFile, by, comment: str = "") -> HardshipFile:
    """Make a temporary file formal, in place: nothing is entered again, the status and history stay."""
    hfile = HardshipFile.objects.select_for_update().select_related("unit").get(pk=hfile.pk)
    if not scope_for(by).roles_at(hfile.unit) & CONVERT_ROLES:
        raise PermissionDenied(_("Your role does not allow converting this file."))
    if hfile.kind != FileKind.TEMPORARY:
        raise ValidationError(_("This is already a formal file."))
    if hfile.status == FileStatus.CLOSED:
        raise ValidationError(_("A closed file cannot be converted; reopen it first."))
    hfile.kind = FileKind.FORMAL
    hfile._history_user = by
    hfile._change_reason = comment
    hfile.save(update_fields=["kind", "updated_at"])
    FileEvent.objects.create(
        file=hfile, action=FileRecord.CONVERT, from_status=hfile.status, to_status=hfile.status, actor=by,
        comment=comment.strip(),
    )  # fmt: skip
    return hfile
