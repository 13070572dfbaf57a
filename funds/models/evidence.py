"""The evidence checklist: the documents each aid type needs, and those attached to (or seen for) a request.

A request cannot be submitted until every required item of its type has a
document dated within the item's validity period. A document is either a file
(a photo or a PDF, its type read from its first bytes, stored through Django's
storage under a random name and served only to users in scope) or, where the
item allows it, a record that a cadre saw the original on paper.
"""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hardship.uploads import EXTENSIONS
from org.models import BilingualName
from org.scoping import ScopedQuerySet

from .aid import AidRequest, AidType


class EvidenceItem(BilingualName):
    """One document a request of the type must (or may) carry: diagnosis proof, hospital bills..."""

    aid_type = models.ForeignKey(
        AidType, verbose_name=_("aid type"), on_delete=models.CASCADE, related_name="evidence_items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required"), default=True)
    valid_days = models.PositiveSmallIntegerField(
        _("valid for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("The document must be dated within this many days before submission. Empty: no limit."),
    )
    paper_allowed = models.BooleanField(
        _("may be seen on paper"),
        default=False,
        help_text=_("The requester may record having seen the original instead of uploading a copy."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")
        ordering = ["aid_type", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_days__isnull=True) | Q(valid_days__gte=1), name="evidenceitem_valid_days_positive"
            ),
        ]


def document_name(instance: "AidDocument", filename: str) -> str:
    """A random name: the uploader's file name never reaches the storage."""
    return f"aid/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{EXTENSIONS.get(instance.content_type, '')}"


class AidDocumentQuerySet(ScopedQuerySet):
    scope_field = "request__file__unit"

    def current(self):
        return self.filter(removed_at__isnull=True)


class AidDocument(models.Model):
    """A document for one checklist item of a request: an uploaded copy, or the original seen on paper.

    Removing a document keeps its row (who removed it and when); it no longer counts.
    """

    request = models.ForeignKey(AidRequest, on_delete=models.CASCADE, related_name="documents")
    item = models.ForeignKey(EvidenceItem, verbose_name=_("evidence item"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to=document_name, max_length=200, blank=True)
    content_type = models.CharField(max_length=50, blank=True, editable=False)
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0, editable=False)
    on_paper = models.BooleanField(_("seen on paper"), default=False)
    dated = models.DateField(_("date of the document"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    objects = AidDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("aid document")
        verbose_name_plural = _("aid documents")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_paper=True, file="") | Q(on_paper=False) & ~Q(file=""),
                name="aiddocument_file_or_paper",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or str(self.item)

    def get_absolute_url(self) -> str:
        return reverse("funds:aid_document", args=[self.pk])

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "")
