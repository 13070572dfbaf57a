"""Aid: configurable types and amount rules, requests with their facts, approval chains and decisions.

The money itself moves only through the ledger (`funds.services.ledger`); a
request points at the reservation made when it was approved and at the
disbursement that paid it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import ConfigItem, HardshipFile, Member, Schooling, Tier
from hardship.money import ABSURD_AMOUNT, MoneyField
from org.models import Role, Unit, UnitKind
from org.scoping import ScopedQuerySet

from ..workflow import AidAction, AidStatus
from .ledger import Fund, FundKind, LedgerTransaction

PERCENT = [MinValueValidator(0), MaxValueValidator(1000)]


class FactsKind(models.TextChoices):
    """Which facts a request of the type must give."""

    NONE = "none", _("No particular facts")
    MEDICAL = "medical", _("Medical costs")
    EDUCATION = "education", _("A child's schooling")
    DISASTER = "disaster", _("A disaster or accident")


class SpecialFactor(models.TextChoices):
    MALIGNANT_TUMOUR = "malignant_tumour", _("Malignant tumour")
    ORGAN_TRANSPLANT = "organ_transplant", _("Organ transplant")


class AidType(ConfigItem):
    """Living, medical, education, temporary relief...: an administrator-edited list."""

    facts = models.CharField(_("facts required"), max_length=20, choices=FactsKind.choices, default=FactsKind.NONE)
    filed_only = models.BooleanField(
        _("filed households only"),
        default=True,
        help_text=_("Untick for temporary relief, which also reaches households not (yet) on file."),
    )
    tiers = models.ManyToManyField(
        Tier,
        verbose_name=_("tiers that qualify"),
        blank=True,
        related_name="+",
        help_text=_("Only households of these tiers may receive this aid. None chosen: every tier."),
    )

    class Meta(ConfigItem.Meta):
        verbose_name = _("aid type")
        verbose_name_plural = _("aid types")


class RuleKind(models.TextChoices):
    FIXED = "fixed", _("Fixed amount")
    TABLE = "table", _("Amount by category")
    BANDS = "bands", _("Bands of the out-of-pocket cost")


class AmountRule(models.Model):
    """How the suggested amount of a type is computed (see funds.calculator)."""

    aid_type = models.OneToOneField(AidType, verbose_name=_("aid type"), on_delete=models.CASCADE, related_name="rule")
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices, default=RuleKind.FIXED)
    fixed_amount = MoneyField(_("fixed amount"))
    per_request_cap = MoneyField(_("cap per request"), null=True, blank=True, default=None)
    uplift_percent = models.DecimalField(
        _("uplift for special factors (%)"), max_digits=6, decimal_places=2, default=0, validators=PERCENT
    )
    yearly_cap = MoneyField(
        _("yearly cap per household"),
        null=True,
        blank=True,
        default=None,
        help_text=_("The most one household may receive of this type in a calendar year."),
    )

    # A second fund stacked on this type's amount (Shougang: the warm-fund sub-fund on top of medical aid).
    topup_kind = models.ForeignKey(
        FundKind,
        verbose_name=_("top-up from a fund of kind"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("A second fund that adds to this type's amount, up to the combined cap. Empty: no top-up."),
    )
    topup_percent = models.DecimalField(
        _("top-up: share of the amount above the per-request cap (%)"),
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=PERCENT,
        help_text=_("100 carries the rule on above the per-request cap, paid by the top-up fund."),
    )
    topup_fixed = MoneyField(_("top-up: fixed amount"))
    combined_cap = MoneyField(
        _("combined cap"),
        null=True,
        blank=True,
        default=None,
        help_text=_("The most the amount and the top-up together may come to for one request."),
    )

    class Meta:
        verbose_name = _("amount rule")
        verbose_name_plural = _("amount rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(uplift_percent__gte=0, uplift_percent__lte=1000), name="amountrule_uplift_range"
            ),
            models.CheckConstraint(
                condition=Q(topup_kind__isnull=True) | Q(combined_cap__isnull=False), name="amountrule_topup_has_cap"
            ),
            models.CheckConstraint(
                condition=Q(topup_percent__gte=0, topup_percent__lte=1000), name="amountrule_topup_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aid_type}: {self.get_kind_display()}"


class AmountBand(models.Model):
    """The part of the out-of-pocket cost between `lower` and `upper` is paid at `rate`."""

    rule = models.ForeignKey(AmountRule, on_delete=models.CASCADE, related_name="bands")
    lower = MoneyField(_("from"))
    upper = MoneyField(_("to"), null=True, blank=True, default=None, help_text=_("Empty: no upper end."))
    rate = models.DecimalField(
        _("rate"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0.3 pays 30 per cent of the cost in the band."),
    )

    class Meta:
        verbose_name = _("amount band")
        verbose_name_plural = _("amount bands")
        ordering = ["lower", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(upper__isnull=True) | Q(upper__gt=F("lower")), name="band_upper_above"),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=1), name="band_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.lower}–{self.upper or '∞'} × {self.rate}"


class AmountTableRow(models.Model):
    """The amount for one category (education: a school stage)."""

    rule = models.ForeignKey(AmountRule, on_delete=models.CASCADE, related_name="table_rows")
    category = models.CharField(_("school stage"), max_length=20, choices=Schooling.choices)
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("amount by category")
        verbose_name_plural = _("amounts by category")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "category"], name="amounttablerow_unique")]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.amount}"


class ApprovalStep(models.Model):
    """One level of the approval chain: who approves a request above an amount.

    The approver is whoever holds `role` at the household's nearest unit of
    `unit_kind` (or above it). A type without steps of its own uses the steps
    with no type.
    """

    aid_type = models.ForeignKey(
        AidType, verbose_name=_("aid type"), null=True, blank=True, on_delete=models.CASCADE, related_name="steps"
    )
    level = models.PositiveSmallIntegerField(_("level"), validators=[MinValueValidator(1)])
    applies_above = MoneyField(
        _("applies above"), help_text=_("The level approves only requests for more than this amount.")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit_kind = models.CharField(_("at the household's"), max_length=20, choices=UnitKind.choices)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["aid_type_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["aid_type", "level"], name="approvalstep_unique_level"),
            models.UniqueConstraint(
                fields=["level"], condition=Q(aid_type__isnull=True), name="approvalstep_unique_default_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.get_role_display()} · {self.get_unit_kind_display()} > {self.applies_above}"


class Delegation(models.Model):
    """An acting approver: the delegate may decide what the delegator may, between two dates."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegator"), on_delete=models.CASCADE, related_name="delegations"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acting"), on_delete=models.CASCADE, related_name="acting_for"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~Q(delegator=F("delegate")), name="delegation_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate} ({self.starts_on}–{self.ends_on})"


class AidRequestQuerySet(ScopedQuerySet):
    scope_field = "file__unit"


class AidRequest(models.Model):
    """Aid asked for a household, its facts, where it stands in the approval chain, and its money."""

    file = models.ForeignKey(
        HardshipFile, verbose_name=_("household"), on_delete=models.PROTECT, related_name="aid_requests"
    )
    # The root of the file's tree: an invoice number is claimed once per federation.
    federation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", editable=False)
    aid_type = models.ForeignKey(AidType, verbose_name=_("aid type"), on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="aid_requests")
    status = models.CharField(_("status"), max_length=20, choices=AidStatus.choices, default=AidStatus.DRAFT)
    # The level awaiting a decision, and who decides it (resolved from the tree at that moment).
    level = models.PositiveSmallIntegerField(_("approval level"), default=0)
    approver_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    approver_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    requested_amount = MoneyField(_("amount requested"))
    suggested_amount = MoneyField(_("suggested amount"))
    justification = models.TextField(_("justification"), max_length=2000, blank=True)

    total_cost = MoneyField(_("total medical cost"))
    insurance = MoneyField(_("insurance reimbursement"))
    other_aid = MoneyField(_("other aid received"))
    special_factor = models.CharField(_("special factor"), max_length=30, choices=SpecialFactor.choices, blank=True)
    child = models.ForeignKey(
        Member, verbose_name=_("child"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("school stage"), max_length=20, choices=Schooling.choices, blank=True)
    event = models.CharField(_("disaster or accident"), max_length=200, blank=True)
    # The duplicate-aid guard: one household, one type, one occasion, one request (unless justified).
    occasion = models.CharField(_("event or occasion"), max_length=200, blank=True)
    occasion_key = models.CharField(max_length=200, blank=True, editable=False)
    duplicate_reason = models.TextField(_("why aid is asked again for this occasion"), max_length=2000, blank=True)

    reservation = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The top-up (see AmountRule.topup_kind): drawn from its own fund, reserved and paid beside the amount.
    topup_fund = models.ForeignKey(
        Fund, verbose_name=_("top-up fund"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    topup_amount = MoneyField(_("top-up requested"))
    topup_reservation = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    topup_payment = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AidRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("aid request")
        verbose_name_plural = _("aid requests")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0, requested_amount__lte=ABSURD_AMOUNT),
                name="aidrequest_amount_range",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | Q(reservation__isnull=False),
                name="aidrequest_approved_has_reservation",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(payment__isnull=False, paid_at__isnull=False),
                name="aidrequest_paid_has_payment",
            ),
            models.CheckConstraint(
                condition=Q(topup_amount=0) | Q(topup_amount__gt=0, topup_fund__isnull=False),
                name="aidrequest_topup_has_fund",
            ),
            models.CheckConstraint(
                condition=Q(topup_amount=0) | ~Q(status__in=["approved", "paid"]) | Q(topup_reservation__isnull=False),
                name="aidrequest_approved_topup_reserved",
            ),
            models.CheckConstraint(
                condition=Q(topup_amount=0) | ~Q(status="paid") | Q(topup_payment__isnull=False),
                name="aidrequest_paid_topup_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "approver_role", "approver_unit"], name="aidrequest_queue"),
            # The approval queue's pages, oldest first: read in order and stopped after a page, not sorted whole.
            models.Index(
                fields=["updated_at", "id"], condition=Q(status="in_approval"), name="aidrequest_in_approval_order"
            ),
        ]

    def __str__(self) -> str:
        return _("Aid request no. %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("funds:aid_detail", args=[self.pk])

    @property
    def total_amount(self):
        """The amount and its top-up: what the household receives."""
        return self.requested_amount + self.topup_amount

    @property
    def out_of_pocket(self):
        return max(self.total_cost - self.insurance - self.other_aid, 0)


class AidInvoice(models.Model):
    """A hospital invoice number claimed by a request: once per federation (the duplicate-aid guard)."""

    federation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("invoice number"), max_length=50)
    request = models.ForeignKey(AidRequest, on_delete=models.CASCADE, related_name="invoices")

    class Meta:
        verbose_name = _("claimed invoice number")
        verbose_name_plural = _("claimed invoice numbers")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["federation", "number"], name="aidinvoice_once_per_federation")]

    def __str__(self) -> str:
        return self.number


class AidDecision(models.Model):
    """An audit row for every step of a request: who (and for whom, when acting), when, what, and why."""

    request = models.ForeignKey(AidRequest, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(_("action"), max_length=20, choices=AidAction.choices)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    from_status = models.CharField(max_length=20, choices=AidStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=AidStatus.choices)
    # Empty only for what the system does by itself: an escalation after too long a wait.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("aid decision")
        verbose_name_plural = _("aid decisions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"
