"""Reads of transfers: both sides see a request; the unit picker shows unit names and nothing else."""

from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language

from hardship.versioned import remember
from org.models import Unit
from org.scoping import scope_for

from ..models import HardshipFile
from ..workflow import CHAIR_ROLES, FileStatus
from .models import FileTransfer, TransferStatus

INBOX, OUTBOX = "in", "out"


def transfer_list_for_user(*, user) -> QuerySet:
    return FileTransfer.objects.visible_to(user)


def transfer_get_for_user(*, user, pk: int) -> FileTransfer:
    """The transfer if the user reaches its old or its new unit; 404 otherwise, as for a missing one."""
    qs = transfer_list_for_user(user=user).select_related(
        "file", "from_unit", "to_unit", "requested_by", "decided_by", "file__tier"
    )
    return get_object_or_404(qs, pk=pk)


def transfer_box_for_user(*, user, box: str, status: str = "") -> QuerySet:
    """Transfers into the user's units (inbox) or out of them (outbox), newest first."""
    units = scope_for(user).unit_ids
    qs = (
        FileTransfer.objects.filter(to_unit__in=units)
        if box == INBOX
        else FileTransfer.objects.filter(from_unit__in=units)
    )
    if status in TransferStatus.values:
        qs = qs.filter(status=status)
    return qs.select_related("file", "from_unit", "to_unit", "requested_by")


def _federation_units(federation_id: int) -> list[tuple[int, str, str, str]]:
    """(pk, path, name_zh, name_en) of the active units of a federation, in tree order, cached per data version.

    A unit below an inactive unit is left out, as the scope leaves it out.
    """

    def compute() -> list[tuple[int, str, str, str]]:
        # A root's path is its zero-padded id (see org.models.Unit.save).
        rows = list(
            Unit.objects.filter(path__startswith=f"{federation_id:06d}/")
            .order_by("path")
            .values_list("pk", "path", "is_active", "name_zh", "name_en")
        )
        dead = [path for _pk, path, active, _zh, _en in rows if not active]
        return [(pk, path, zh, en) for pk, path, _a, zh, en in rows if not any(path.startswith(d) for d in dead)]

    return remember(("transfer-units", federation_id), compute)


def _label(zh: str, en: str) -> str:
    return (en or zh) if (get_language() or "").startswith("en") else zh


def transfer_target_choices(*, hfile: HardshipFile) -> list[tuple[int, str]]:
    """Every other active unit of the household's federation as an indented name: no counts, no people, no files."""
    return [
        (pk, "\u2003" * (path.count("/") - 1) + _label(zh, en))
        for pk, path, zh, en in _federation_units(hfile.federation_id)
        if pk != hfile.unit_id
    ]


def federation_unit_name(*, federation_id: int, unit_id: int) -> str:
    """A unit's name from the cached federation tree: no query."""
    return next((_label(zh, en) for pk, _path, zh, en in _federation_units(federation_id) if pk == unit_id), "")


@dataclass(frozen=True)
class TransferPermissions:
    can_decide: bool
    can_cancel: bool


def transfer_permissions(*, user, transfer: FileTransfer) -> TransferPermissions:
    scope = scope_for(user)
    pending = transfer.status == TransferStatus.PENDING
    return TransferPermissions(
        can_decide=pending and bool(scope.roles_at(transfer.to_unit) & CHAIR_ROLES),
        can_cancel=pending and bool(scope.roles_at(transfer.from_unit) & CHAIR_ROLES),
    )


def with_pending_transfer(qs: QuerySet) -> QuerySet:
    """Files annotated with their pending transfer (pk and receiving unit), so the file page needs no query."""
    pending = FileTransfer.objects.pending().filter(file=OuterRef("pk"))
    return qs.annotate(
        pending_transfer_id=Subquery(pending.values("pk")[:1]),
        pending_transfer_to=Subquery(pending.values("to_unit_id")[:1]),
    )


@dataclass(frozen=True)
class PendingTransfer:
    pk: int
    to_unit: str

    def get_absolute_url(self) -> str:
        return reverse("cases:transfer_detail", args=[self.pk])


def pending_transfer(*, hfile: HardshipFile) -> PendingTransfer | None:
    """The file's transfer awaiting a decision: from the annotation when the file has one, else one query."""
    if hasattr(hfile, "pending_transfer_id"):
        pk, to_unit_id = hfile.pending_transfer_id, hfile.pending_transfer_to
    else:
        pk, to_unit_id = FileTransfer.objects.pending().filter(file=hfile).values_list("pk", "to_unit_id").first() or (
            None,
            None,
        )
    if pk is None:
        return None
    return PendingTransfer(pk=pk, to_unit=federation_unit_name(federation_id=hfile.federation_id, unit_id=to_unit_id))


def may_request_transfer(*, user, hfile: HardshipFile) -> bool:
    return hfile.status != FileStatus.CLOSED and bool(scope_for(user).roles_at(hfile.unit) & CHAIR_ROLES)
