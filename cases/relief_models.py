"""Relief (脱困): the configurable relief rules, the monthly per-capita figures they read, and relief proposals.

Kept apart from `cases.models` (imported from there so Django registers them);
the relief rules are evaluated in `cases/relief_rules.py`, written in `cases/relief.py`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hardship.money import MoneyField
from org.scoping import ScopedQuerySet

MAX_MONTHS = 24


class ReliefRuleKind(models.TextChoices):
    ABOVE_STANDARD = "above_standard", _("Per-capita figure above N × the local standard for M consecutive months")
    PLAN_GOALS_MET = "plan_goals_met", _("The assistance plan's goals are met")


class ReliefRule(models.Model):
    """One way a household may be relieved; it meets the relief rule when any active rule holds."""

    priority = models.PositiveSmallIntegerField(_("priority"), help_text=_("Rules are tried from the lowest number."))
    kind = models.CharField(_("condition"), max_length=20, choices=ReliefRuleKind.choices)
    factor = models.DecimalField(
        _("N (times the standard)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    months = models.PositiveSmallIntegerField(
        _("M (consecutive months)"), default=6, validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("relief rule")
        verbose_name_plural = _("relief rules")
        ordering = ["priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(factor__gt=0, months__gte=1, months__lte=MAX_MONTHS), name="reliefrule_figures_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.priority}. {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == ReliefRuleKind.ABOVE_STANDARD and not (self.factor and self.months):
            raise ValidationError(_("This condition needs N and M."))


class ObservationSource(models.TextChoices):
    CARD = "card", _("Hardship card or annual review")
    VISIT = "visit", _("Visit")


class IncomeObservation(models.Model):
    """A household's per-capita monthly figure for one calendar month: the input of the relief rule.

    The figure is the tier's figure for one month: (household income that month − a
    twelfth of the year's rigid expenditure) ÷ members. Saving a filed card records
    the card's figure for the current month; a visit may record the month's income.
    The last record of a month replaces earlier ones (the history keeps them).
    """

    file = models.ForeignKey("cases.HardshipFile", on_delete=models.CASCADE, related_name="income_observations")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    household_income = MoneyField(_("household income that month"))
    rigid_monthly = MoneyField(_("rigid expenditure, a twelfth of the year's"))
    members = models.PositiveSmallIntegerField(_("members"), validators=[MinValueValidator(1)])
    per_capita = MoneyField(_("per-capita monthly figure"), validators=[])
    source = models.CharField(_("source"), max_length=10, choices=ObservationSource.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly per-capita figure")
        verbose_name_plural = _("monthly per-capita figures")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["file", "month"], name="incomeobservation_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="incomeobservation_month_start"),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} {self.month:%Y-%m}: {self.per_capita}"


class ReliefBasis(models.TextChoices):
    ABOVE_STANDARD = "above_standard", _("Per-capita figure above the standard for the required months")
    PLAN_GOALS_MET = "plan_goals_met", _("The assistance plan's goals are met")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a chair")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ProposalQuerySet(ScopedQuerySet):
    scope_field = "file__unit"

    def pending(self):
        return self.filter(status=ProposalStatus.PENDING)


class ReliefProposal(models.Model):
    """A proposal to relieve a filed household, on a basis the relief rules accept; a branch chair decides."""

    file = models.ForeignKey("cases.HardshipFile", on_delete=models.CASCADE, related_name="relief_proposals")
    basis = models.CharField(_("basis"), max_length=20, choices=ReliefBasis.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    # The relief assessment as it stood when proposed (cases/relief_rules.py), for the record.
    assessment = models.JSONField(default=dict, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("relief proposal")
        verbose_name_plural = _("relief proposals")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["file"], condition=Q(status="pending"), name="reliefproposal_one_pending_per_file"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="reliefproposal_decided_with_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_basis_display()} · {self.get_status_display()}"
