"""Hardship files ("one family, one file"), their members, causes, tiers and plans."""

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from hardship.money import MoneyField
from org.models import BilingualName, Locality, Unit
from org.people import display_name
from org.scoping import ScopedQuerySet

from .idcard import validate_resident_id
from .notice_models import FederationPolicy, NoticeEntry, Objection, PublicNotice  # noqa: F401 (registered with the app)
from .relief_models import IncomeObservation, ReliefProposal, ReliefRule  # noqa: F401 (registered with the app)
from .review_models import AnnualReview  # noqa: F401 (registered with the app)
from .transfer.models import FileTransfer  # noqa: F401 (registered with the app)
from .workflow import CloseReason, FileAction, FileKind, FileRecord, FileStatus, HandoverReason

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,18}[0-9]$")


def validate_phone(value: str) -> None:
    """A landline or mobile number: digits, spaces and dashes, an optional leading +."""
    if value and not PHONE.match(value):
        raise ValidationError(_("Enter a phone number of 7 to 20 digits."), code="phone")


ID_NUMBER_MAX = 18


class ConfigItem(BilingualName):
    """An administrator-edited, ordered list entry (tier, cause, plan heading)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]


class Tier(ConfigItem):
    """A hardship tier; a lower order is a deeper hardship."""

    description = models.TextField(_("description"), blank=True)

    class Meta(ConfigItem.Meta):
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")


class Cause(ConfigItem):
    class Meta(ConfigItem.Meta):
        verbose_name = _("cause of difficulty")
        verbose_name_plural = _("causes of difficulty")


class MeasureHeading(ConfigItem):
    class Meta(ConfigItem.Meta):
        verbose_name = _("plan measure heading")
        verbose_name_plural = _("plan measure headings")


class LivingStandard(models.Model):
    """A locality's minimum living standard (低保标准) for a year: yuan per person per month."""

    locality = models.ForeignKey(
        Locality, verbose_name=_("locality"), on_delete=models.PROTECT, related_name="living_standards"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    monthly_amount = MoneyField(_("amount per person per month"))
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("For example the notice that set it."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("minimum living standard")
        verbose_name_plural = _("minimum living standards")
        ordering = ["locality__code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["locality", "year"], name="livingstandard_one_per_locality_year"),
            models.CheckConstraint(condition=Q(monthly_amount__gt=0), name="livingstandard_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.locality} {self.year}: {self.monthly_amount}"


class TierRuleKind(models.TextChoices):
    BELOW_STANDARD = "below_standard", _("Per-capita figure below N × the local standard")
    COSTS_ABOVE_SHARE = "costs_above_share", _("Hardship-causing costs above P percent of annual income")
    CAUSE_APPLIES = "cause_applies", _("A cause of difficulty applies")


class TierRule(models.Model):
    """One rule of the tier suggestion; the first active rule (by priority) that holds gives the tier."""

    priority = models.PositiveSmallIntegerField(_("priority"), help_text=_("Rules are tried from the lowest number."))
    kind = models.CharField(_("condition"), max_length=20, choices=TierRuleKind.choices)
    factor = models.DecimalField(
        _("N or P"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("N (times the standard) or P (percent of annual income); empty for a cause rule."),
    )
    cause = models.ForeignKey(
        Cause,
        verbose_name=_("cause"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("For a cause rule: the cause; empty for any cause."),
    )
    tier = models.ForeignKey(Tier, verbose_name=_("tier it gives"), on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        ordering = ["priority", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="cause_applies") | Q(factor__gt=0), name="tierrule_factor_for_figures"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.priority}. {self.get_kind_display()} → {self.tier}"

    def clean(self) -> None:
        if self.kind != TierRuleKind.CAUSE_APPLIES and not self.factor:
            raise ValidationError({"factor": _("This condition needs N or P.")})


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    LAID_OFF = "laid_off", _("Laid off")
    UNEMPLOYED = "unemployed", _("Unemployed")
    FLEXIBLE = "flexible", _("Flexible employment")
    MIGRANT = "migrant", _("Migrant worker")
    RETIRED = "retired", _("Retired")
    UNABLE = "unable", _("Unable to work")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    CHRONIC = "chronic", _("Chronic illness")
    SERIOUS = "serious", _("Serious illness")
    DISABLED = "disabled", _("Disability")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    PARENT_IN_LAW = "parent_in_law", _("Parent-in-law")
    SIBLING = "sibling", _("Sibling")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER = "other", _("Other relative")


class Schooling(models.TextChoices):
    NONE = "none", _("Not in school")
    PRESCHOOL = "preschool", _("Preschool")
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior secondary")
    SENIOR = "senior", _("Senior secondary")
    VOCATIONAL = "vocational", _("Vocational school")
    COLLEGE = "college", _("College or university")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class Guarantee(models.TextChoices):
    """The "two guarantees and five guarantees" an assistance plan aims at."""

    FOOD = "food", _("Food")
    CLOTHING = "clothing", _("Clothing")
    EMPLOYMENT = "employment", _("Employment")
    MEDICAL = "medical", _("Medical treatment")
    SCHOOLING = "schooling", _("Schooling")
    INSURANCE = "insurance", _("Social insurance")
    HOUSING = "housing", _("Housing")


class HardshipFileQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(status=FileStatus.CLOSED)

    def review_overdue(self, today: dt.date):
        return self.filter(status=FileStatus.FILED, review_due_on__lt=today)

    def review_due_within(self, today: dt.date, days: int):
        return self.filter(
            status=FileStatus.FILED, review_due_on__gte=today, review_due_on__lte=today + dt.timedelta(days=days)
        )


class HardshipFile(models.Model):
    """One household in difficulty, keyed by the worker's resident ID."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="files")
    # The root of the unit's tree, kept here so "one open file per ID" is a database constraint.
    federation = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", editable=False)
    status = models.CharField(_("status"), max_length=20, choices=FileStatus.choices, default=FileStatus.DRAFT)
    kind = models.CharField(
        _("kind of file"),
        max_length=10,
        choices=FileKind.choices,
        default=FileKind.FORMAL,
        help_text=_("A temporary file is for temporary relief of a household just above the line."),
    )

    name = models.CharField(_("worker's name"), max_length=50)
    id_number = models.CharField(_("resident ID number"), max_length=ID_NUMBER_MAX, validators=[validate_resident_id])
    birth_date = models.DateField(_("birth date"), editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    employment_status = models.CharField(
        _("employment status"), max_length=20, choices=EmploymentStatus.choices, default=EmploymentStatus.EMPLOYED
    )
    union_member = models.BooleanField(_("union member"), default=True)
    health = models.CharField(_("health"), max_length=20, choices=Health.choices, default=Health.HEALTHY)
    worker_income = MoneyField(_("worker's monthly income"))
    other_income = MoneyField(
        _("other monthly household income"), help_text=_("Pensions, subsidies, rent and other regular income.")
    )

    # The year's finances behind the tier suggestion (see cases/tiering.py). The annual
    # income defaults to 12 × the monthly household income when left empty.
    annual_income = MoneyField(
        _("annual disposable income"),
        null=True,
        blank=True,
        default=None,
        help_text=_("Leave empty for 12 × the household's monthly income."),
    )
    medical_costs = MoneyField(_("medical costs not reimbursed (year)"), blank=True)
    schooling_costs = MoneyField(_("schooling costs (year)"), blank=True)
    disaster_losses = MoneyField(_("disaster losses (year)"), blank=True)
    hardship_costs = MoneyField(
        _("hardship-causing costs (year)"),
        blank=True,
        help_text=_("What the accident, illness or disaster cost the household this year."),
    )

    tier = models.ForeignKey(Tier, verbose_name=_("tier"), null=True, blank=True, on_delete=models.PROTECT)
    causes = models.ManyToManyField(Cause, through="FileCause", verbose_name=_("causes of difficulty"))
    # Recomputed on every save of the card; the tier follows it unless a chair overrode it.
    suggested_tier = models.ForeignKey(
        Tier, verbose_name=_("suggested tier"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    per_capita_net = MoneyField(
        _("per-capita monthly figure"), null=True, blank=True, default=None, validators=[], editable=False
    )
    # The figures, standard and rule behind the suggestion, kept as they were when it was made.
    tier_basis = models.JSONField(default=dict, blank=True, editable=False)
    tier_override_reason = models.TextField(_("reason for overriding the tier"), blank=True, editable=False)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tier overridden by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    overridden_at = models.DateTimeField(_("tier overridden at"), null=True, blank=True, editable=False)

    # Derived from the worker and the members whenever either changes.
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1, editable=False)
    household_income = MoneyField(_("household monthly income"), editable=False)
    per_capita_income = MoneyField(_("per-capita monthly income"), editable=False)

    review_due_on = models.DateField(_("annual review due"), null=True, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True, editable=False)
    relieved_on = models.DateField(_("relieved on"), null=True, blank=True, editable=False)
    relief_reason = models.TextField(_("relief reason"), blank=True, editable=False)
    transition_ends_on = models.DateField(_("transition period ends"), null=True, blank=True, editable=False)
    handed_over_on = models.DateField(_("handed to government support on"), null=True, blank=True, editable=False)
    handover_reason = models.CharField(
        _("why handed over"), max_length=20, choices=HandoverReason.choices, blank=True, editable=False
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    close_reason = models.CharField(
        _("close reason"), max_length=20, choices=CloseReason.choices, blank=True, editable=False
    )

    # A file closed as a duplicate points to the file it was merged into.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_files",
        editable=False,
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    # One more on every save: the offline visit app sends back the version its copy was based on (a timestamp
    # is not enough: two saves may share one, and clocks differ between servers).
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "tier_basis", "version"], history_change_reason_field=models.TextField(null=True)
    )
    objects = HardshipFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("hardship file")
        verbose_name_plural = _("hardship files")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "id_number"],
                condition=~Q(status="closed"),
                name="file_one_open_per_id_in_federation",
            ),
            models.CheckConstraint(
                condition=Q(worker_income__gte=0, other_income__gte=0), name="file_incomes_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(medical_costs__gte=0, schooling_costs__gte=0, disaster_losses__gte=0, hardship_costs__gte=0)
                & (Q(annual_income__isnull=True) | Q(annual_income__gte=0)),
                name="file_year_figures_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="file_updated_keyset"),
            models.Index(fields=["name", "id"], name="file_name_keyset"),
            models.Index(fields=["per_capita_income", "id"], name="file_income_keyset"),
            models.Index(fields=["unit", "status"], name="file_unit_status"),
            models.Index(fields=["status", "review_due_on"], name="file_review_due"),
            # Prefix search (LIKE 'x%') needs pattern ops on PostgreSQL; other backends ignore them.
            models.Index(fields=["id_number"], name="file_id_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name"], name="file_name_prefix", opclasses=["varchar_pattern_ops"]),
            # Duplicate warnings: a worker born the same day in the federation.
            models.Index(fields=["federation", "birth_date"], name="file_federation_birth_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        # Writers hold the row lock (select_for_update) in the services, so the increment cannot race.
        self.version += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("cases:file_detail", args=[self.pk])

    @property
    def tier_overridden(self) -> bool:
        return self.overridden_at is not None

    def in_transition(self, today: dt.date) -> bool:
        """Relieved and still within the transition period, when policies stay unchanged."""
        return self.status == FileStatus.RELIEVED and bool(self.transition_ends_on and self.transition_ends_on >= today)

    @property
    def rigid_expenditure(self) -> Decimal:
        return self.medical_costs + self.schooling_costs + self.disaster_losses

    @property
    def primary_cause(self) -> "Cause | None":
        return next((fc.cause for fc in self.file_causes.all() if fc.is_primary), None)


class FileCause(models.Model):
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="file_causes")
    cause = models.ForeignKey(Cause, verbose_name=_("cause"), on_delete=models.PROTECT)
    is_primary = models.BooleanField(_("primary cause"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("file cause")
        verbose_name_plural = _("file causes")
        constraints = [
            models.UniqueConstraint(fields=["file", "cause"], name="filecause_unique"),
            models.UniqueConstraint(fields=["file"], condition=Q(is_primary=True), name="filecause_one_primary"),
        ]

    def __str__(self) -> str:
        return str(self.cause)


class MemberQuerySet(ScopedQuerySet):
    scope_field = "file__unit"


class Member(models.Model):
    """A household member other than the worker."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="members")
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(
        _("resident ID number"), max_length=ID_NUMBER_MAX, blank=True, validators=[validate_resident_id]
    )
    age = models.PositiveSmallIntegerField(_("age"), validators=[MaxValueValidator(130)])
    health = models.CharField(_("health"), max_length=20, choices=Health.choices, default=Health.HEALTHY)
    schooling = models.CharField(_("schooling"), max_length=20, choices=Schooling.choices, default=Schooling.NONE)
    job = models.CharField(_("job"), max_length=100, blank=True)
    monthly_income = MoneyField(_("monthly income"))

    history = HistoricalRecords()
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_income__gte=0), name="member_income_not_negative"),
        ]
        # Duplicate warnings: one person listed in two households.
        indexes = [models.Index(fields=["id_number"], name="member_id_number")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


class Investigation(models.Model):
    """The household investigation recorded between submission and filing."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="investigations")
    investigator = models.CharField(_("investigator"), max_length=100)
    investigated_on = models.DateField(_("investigation date"))
    findings = models.TextField(_("findings"), max_length=4000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household investigation")
        verbose_name_plural = _("household investigations")
        ordering = ["-investigated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.investigator} {self.investigated_on}"


class FileEvent(models.Model):
    """An audit row for every lifecycle step: who, when, from what to what, and why."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(
        _("action"), max_length=20, choices=[("create", _("Created")), *FileAction.choices, *FileRecord.choices]
    )
    from_status = models.CharField(max_length=20, choices=FileStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=FileStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("file event")
        verbose_name_plural = _("file events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"


class AssistancePlan(models.Model):
    """One household, one plan: measures, the goal, and named responsible helpers."""

    file = models.OneToOneField(HardshipFile, on_delete=models.CASCADE, related_name="plan")
    goal = models.TextField(_("goal"), max_length=2000)
    guarantees = models.JSONField(_("guarantees aimed at"), default=list, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # Set when the helpers judge the goal reached: one of the relief rules (cases/relief_rules.py) reads it.
    goals_met_on = models.DateField(_("goals met on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("assistance plan")
        verbose_name_plural = _("assistance plans")

    def __str__(self) -> str:
        return str(_("Plan for %(name)s") % {"name": self.file.name})

    def guarantee_labels(self) -> list[str]:
        labels = dict(Guarantee.choices)
        return [str(labels[g]) for g in self.guarantees if g in labels]


class PlanMeasure(models.Model):
    plan = models.ForeignKey(AssistancePlan, on_delete=models.CASCADE, related_name="measures")
    heading = models.ForeignKey(MeasureHeading, verbose_name=_("heading"), on_delete=models.PROTECT)
    description = models.CharField(_("measure"), max_length=500)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan measure")
        verbose_name_plural = _("plan measures")
        ordering = ["heading__order", "pk"]

    def __str__(self) -> str:
        return f"{self.heading}: {self.description}"


class PlanHelper(models.Model):
    """A named responsible helper of a household (at most three per plan)."""

    plan = models.ForeignKey(AssistancePlan, on_delete=models.CASCADE, related_name="helpers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("helper"), on_delete=models.PROTECT, related_name="helped_plans"
    )
    duty = models.CharField(_("duty"), max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible helper")
        verbose_name_plural = _("responsible helpers")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="planhelper_unique")]

    def __str__(self) -> str:
        return display_name(self.user)


MAX_HELPERS = 3
ZERO = Decimal("0.00")
