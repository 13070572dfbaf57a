"""Public notice (公示) between investigation and filing, its objections, and each federation's settings for it."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from org.models import Unit
from org.scoping import ScopedQuerySet

DEFAULT_NOTICE_WORKING_DAYS = 5
DEFAULT_REVIEW_LEAD_DAYS = 30


class FederationPolicy(models.Model):
    """How a federation (a root unit) runs identification and review; a federation without a row uses the defaults."""

    federation = models.OneToOneField(
        Unit,
        verbose_name=_("federation"),
        on_delete=models.CASCADE,
        related_name="policy",
        limit_choices_to={"parent__isnull": True},
    )
    notice_required = models.BooleanField(
        _("public notice required"),
        default=False,
        help_text=_("Households must pass a public notice without an upheld objection before they are filed."),
    )
    notice_working_days = models.PositiveSmallIntegerField(
        _("notice period (working days)"),
        default=DEFAULT_NOTICE_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    review_lead_days = models.PositiveSmallIntegerField(
        _("review task shown (days before due)"),
        default=DEFAULT_REVIEW_LEAD_DAYS,
        validators=[MaxValueValidator(180)],
        help_text=_("The annual review appears for the responsible helpers this many days before it is due."),
    )

    class Meta:
        verbose_name = _("federation policy")
        verbose_name_plural = _("federation policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(notice_working_days__gte=1, notice_working_days__lte=30), name="policy_notice_days_range"
            ),
            models.CheckConstraint(condition=Q(review_lead_days__lte=180), name="policy_review_lead_range"),
        ]

    def __str__(self) -> str:
        return str(self.federation)


class PublicNotice(models.Model):
    """A notice list a branch posts: the households it means to file, for a number of working days."""

    unit = models.ForeignKey(Unit, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="notices")
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("notice starts"))
    ends_on = models.DateField(_("notice ends"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    contact = models.CharField(
        _("where to raise objections"),
        max_length=200,
        blank=True,
        help_text=_("For example the branch office and its phone number."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="notice_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("cases:notice_detail", args=[self.pk])


class EntryQuerySet(ScopedQuerySet):
    scope_field = "file__unit"


class NoticeEntry(models.Model):
    """One household on a notice list."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="entries")
    file = models.ForeignKey("cases.HardshipFile", on_delete=models.CASCADE, related_name="notice_entries")

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("household on notice")
        verbose_name_plural = _("households on notice")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["notice", "file"], name="noticeentry_once_per_notice")]

    def __str__(self) -> str:
        return f"{self.notice_id} · {self.file_id}"


class ObjectionOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class ObjectionQuerySet(ScopedQuerySet):
    scope_field = "entry__file__unit"


class Objection(models.Model):
    """An objection raised against a household on notice: who, when, what, and how a chair decided it."""

    entry = models.ForeignKey(NoticeEntry, on_delete=models.CASCADE, related_name="objections")
    raised_by = models.CharField(
        _("raised by"), max_length=100, help_text=_("The person's name, or “anonymous” as they wished.")
    )
    raised_on = models.DateField(_("raised on"))
    content = models.TextField(_("objection"), max_length=4000)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ObjectionOutcome.choices, default=ObjectionOutcome.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True, max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["raised_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="pending", decided_by__isnull=True)
                | (
                    ~Q(outcome="pending") & Q(decided_by__isnull=False, decided_at__isnull=False) & ~Q(decision_note="")
                ),
                name="objection_decided_with_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.raised_by} {self.raised_on:%Y-%m-%d} ({self.get_outcome_display()})"

    @property
    def is_pending(self) -> bool:
        return self.outcome == ObjectionOutcome.PENDING
