"""The annual review of a filed household: what was found, the tier before and after, and how it ended."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hardship.money import MoneyField
from org.scoping import ScopedQuerySet

from .workflow import CloseReason


class ReviewOutcome(models.TextChoices):
    KEEP = "keep", _("Keep on file in the same tier")
    CHANGE_TIER = "change_tier", _("Change the tier")
    PROPOSE_RELIEF = "propose_relief", _("Propose relief")
    PROPOSE_CLOSURE = "propose_closure", _("Propose closing the file")


class ReviewQuerySet(ScopedQuerySet):
    scope_field = "file__unit"


class AnnualReview(models.Model):
    """One yearly review of a filed household, with the figures it recomputed the tier from."""

    file = models.ForeignKey("cases.HardshipFile", on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField(_("review due"))
    reviewed_on = models.DateField(_("reviewed on"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReviewOutcome.choices)
    note = models.TextField(_("findings"), max_length=4000)
    close_reason = models.CharField(_("reason to close"), max_length=20, choices=CloseReason.choices, blank=True)
    tier_before = models.ForeignKey(
        "cases.Tier", verbose_name=_("tier before"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tier_after = models.ForeignKey(
        "cases.Tier", verbose_name=_("tier after"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    relief_proposal = models.ForeignKey(
        "cases.ReliefProposal",
        verbose_name=_("relief proposal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    per_capita_before = MoneyField(_("per-capita figure before"), null=True, blank=True, default=None, validators=[])
    per_capita_after = MoneyField(_("per-capita figure after"), null=True, blank=True, default=None, validators=[])
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        ordering = ["-reviewed_on", "-pk"]
        indexes = [models.Index(fields=["file", "-reviewed_on"], name="review_file_date")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="propose_closure") | ~Q(close_reason=""), name="review_closure_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewed_on:%Y-%m-%d} · {self.get_outcome_display()}"
