"""A request to move a hardship file to another unit, and how it was decided."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from org.models import Unit


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the receiving unit")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Withdrawn")


class FileTransferQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Transfers from or to a unit in the user's scope: both sides see the request."""
        from org.scoping import scope_for

        units = scope_for(user).unit_ids
        return self.filter(Q(from_unit__in=units) | Q(to_unit__in=units))

    def pending(self):
        return self.filter(status=TransferStatus.PENDING)


class FileTransfer(models.Model):
    """A household moving to another unit: asked by the old unit's chair, decided by the new unit's chair."""

    file = models.ForeignKey(
        "cases.HardshipFile", verbose_name=_("file"), on_delete=models.CASCADE, related_name="transfers"
    )
    from_unit = models.ForeignKey(Unit, verbose_name=_("from unit"), on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, verbose_name=_("to unit"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    reason = models.TextField(_("reason"), max_length=2000)
    handover = models.TextField(_("hand-over note"), max_length=4000, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)

    objects = FileTransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("file transfer")
        verbose_name_plural = _("file transfers")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["file"], condition=Q(status="pending"), name="filetransfer_one_pending_per_file"
            ),
            models.CheckConstraint(condition=~Q(from_unit=F("to_unit")), name="filetransfer_to_another_unit"),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="filetransfer_decided_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_note=""), name="filetransfer_refused_with_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["to_unit", "status", "-id"], name="filetransfer_inbox"),
            models.Index(fields=["from_unit", "status", "-id"], name="filetransfer_outbox"),
        ]

    def __str__(self) -> str:
        return str(_("Transfer no. %(pk)s") % {"pk": self.pk})

    def get_absolute_url(self) -> str:
        return reverse("cases:transfer_detail", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status == TransferStatus.PENDING
