"""Visits to filed households, their attachments, the holiday calendar, frequencies and monitoring flags."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models import ConfigItem, HardshipFile, Tier
from hardship.money import MoneyField
from hardship.uploads import EXTENSIONS
from org.models import BilingualName
from org.scoping import ScopedQuerySet


class VisitKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly routine visit")
    HOLIDAY = "holiday", _("Holiday visit")
    MONITORING = "monitoring", _("Dynamic monitoring visit")
    ANNUAL_REVIEW = "annual_review", _("Annual review visit")


class Outcome(models.TextChoices):
    NO_CHANGE = "no_change", _("No change")
    IMPROVED = "improved", _("Clear improvement")
    DECLINED = "declined", _("Clear decline")


class OutcomeReason(ConfigItem):
    """Why living conditions changed; `outcome` blank means the reason fits any outcome."""

    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)

    class Meta(ConfigItem.Meta):
        verbose_name = _("outcome reason")
        verbose_name_plural = _("outcome reasons")


class Holiday(BilingualName):
    """A holiday window in which every household gets one holiday visit."""

    code = models.SlugField(_("code"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    starts_on = models.DateField(_("window starts"))
    ends_on = models.DateField(_("window ends"))

    class Meta:
        verbose_name = _("holiday window")
        verbose_name_plural = _("holiday windows")
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["code", "year"], name="holiday_unique_code_year"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="holiday_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"


class VisitFrequency(models.Model):
    """How often a household of a tier must be visited; tiers without a row are visited monthly."""

    tier = models.OneToOneField(Tier, verbose_name=_("tier"), on_delete=models.CASCADE, related_name="visit_frequency")
    every_months = models.PositiveSmallIntegerField(
        _("visit every (months)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )

    class Meta:
        verbose_name = _("visit frequency")
        verbose_name_plural = _("visit frequencies")
        ordering = ["tier__order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(every_months__gte=1, every_months__lte=12), name="visitfrequency_one_to_twelve"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.every_months}"


class VisitQuerySet(ScopedQuerySet):
    scope_field = "file__unit"


class Visit(models.Model):
    """One visit to a household: who went, what they learnt, how things changed, what was delivered."""

    file = models.ForeignKey(HardshipFile, verbose_name=_("file"), on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("visit date"))
    kind = models.CharField(_("kind of visit"), max_length=20, choices=VisitKind.choices, default=VisitKind.MONTHLY)
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("visitors"), related_name="visits_made")
    met = models.CharField(_("who was met"), max_length=100, blank=True)

    # The "six knows": what the helper knows about the household.
    knows_name = models.BooleanField(_("name"), default=False)
    knows_address = models.BooleanField(_("address"), default=False)
    knows_phone = models.BooleanField(_("phone"), default=False)
    knows_spouse = models.BooleanField(_("spouse's situation"), default=False)
    knows_schooling = models.BooleanField(_("children's schooling"), default=False)
    knows_family_event = models.BooleanField(_("major family event"), default=False)

    outcome = models.CharField(_("living conditions"), max_length=20, choices=Outcome.choices)
    reason = models.ForeignKey(
        OutcomeReason, verbose_name=_("reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    condolence_money = MoneyField(_("condolence money (yuan)"))
    goods = models.CharField(_("goods delivered"), max_length=200, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # Made on the phone for a visit recorded offline: the same visit synced twice is stored once.
    offline_key = models.UUIDField(_("offline key"), null=True, blank=True, editable=False)

    history = HistoricalRecords()
    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["file", "visited_on"], name="visit_file_date"),
            models.Index(fields=["visited_on"], name="visit_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["offline_key"], name="visit_offline_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.visited_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("visits:visit_detail", args=[self.pk])

    SIX_KNOWS = ("knows_name", "knows_address", "knows_phone", "knows_spouse", "knows_schooling", "knows_family_event")

    @property
    def knows_count(self) -> int:
        return sum(bool(getattr(self, name)) for name in self.SIX_KNOWS)


def attachment_name(instance: "VisitAttachment", filename: str) -> str:
    """A random name: the uploader's file name never reaches the storage."""
    return f"visits/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{instance.extension}"


class AttachmentQuerySet(ScopedQuerySet):
    scope_field = "visit__file__unit"


class VisitAttachment(models.Model):
    """A photo or PDF taken at the visit; its type is read from its first bytes, never from its name."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_name, max_length=200)
    content_type = models.CharField(max_length=50, editable=False)
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit attachment")
        verbose_name_plural = _("visit attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name or self.file.name

    def get_absolute_url(self) -> str:
        return reverse("visits:attachment", args=[self.pk])

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Fact(models.TextChoices):
    """The household facts a visit recorded offline may change on the file."""

    PHONE = "phone", _("phone")
    ADDRESS = "address", _("address")
    INCOME = "household_income", _("household income this month")


class Resolution(models.TextChoices):
    THEIRS = "theirs", _("Kept what is on file")
    MINE = "mine", _("Kept the visit's value")


class ConflictQuerySet(ScopedQuerySet):
    scope_field = "file__unit"

    def open(self):
        return self.filter(resolved_at__isnull=True)


class OfflineConflict(models.Model):
    """A household fact changed offline at a visit while someone else changed it on the file: the cadre decides."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="conflicts")
    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="offline_conflicts")
    fact = models.CharField(_("fact"), max_length=20, choices=Fact.choices)
    # For the household income: the month it was for.
    month = models.DateField(_("month"), null=True, blank=True)
    base = models.CharField(_("on the phone before the visit"), max_length=200, blank=True)
    theirs = models.CharField(_("on file"), max_length=200, blank=True)
    mine = models.CharField(_("from the visit"), max_length=200, blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ConflictQuerySet.as_manager()

    class Meta:
        verbose_name = _("offline conflict")
        verbose_name_plural = _("offline conflicts")
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "fact"], name="offlineconflict_one_per_fact"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="")
                | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="offlineconflict_resolved_with_choice",
            ),
        ]
        indexes = [
            models.Index(fields=["raised_by"], condition=Q(resolved_at__isnull=True), name="offlineconflict_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_fact_display()} · {self.file_id}"


class FlagReason(models.TextChoices):
    DECLINE = "decline", _("Clear decline at a visit")
    NEW_CAUSE = "new_cause", _("New accident or illness")
    MISSED = "missed", _("Two months without a visit")
    RELIEF_CANDIDATE = "relief_candidate", _("Relief candidate")


class FlagQuerySet(ScopedQuerySet):
    scope_field = "file__unit"

    def open(self):
        return self.filter(handled_at__isnull=True)


class MonitoringFlag(models.Model):
    """A household that needs attention; it stays until someone handles it with a note."""

    file = models.ForeignKey(HardshipFile, on_delete=models.CASCADE, related_name="monitoring_flags")
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags")
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    note = models.TextField(_("how it was handled"), blank=True, max_length=2000)

    history = HistoricalRecords()
    objects = FlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("monitoring flag")
        verbose_name_plural = _("monitoring flags")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            # One open flag per household and reason: raising it twice (a re-run sweep) changes nothing.
            models.UniqueConstraint(
                fields=["file", "reason"], condition=Q(handled_at__isnull=True), name="flag_one_open_per_reason"
            ),
            models.CheckConstraint(
                condition=Q(handled_at__isnull=True) | (Q(handled_by__isnull=False) & ~Q(note="")),
                name="flag_handled_with_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.file_id}"

    @property
    def is_open(self) -> bool:
        return self.handled_at is None


class DigestKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly visits due")
    HOLIDAY = "holiday", _("Holiday visits due")
    ESCALATION = "escalation", _("Overdue visits escalated")
    REVIEW = "review", _("Annual reviews due")


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class ReminderDigest(models.Model):
    """One reminder to one person for one period, written before it is sent and claimed by the task that sends it."""

    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("period"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=DigestKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=DigestStatus.choices, default=DigestStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    payload = models.JSONField(default=dict)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Last claim, release or creation: the sweep re-sends pending rows untouched for a while.
    touched_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder digest")
        verbose_name_plural = _("reminder digests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["helper", "period", "kind"], name="reminderdigest_one_per_period"),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"), name="reminderdigest_sent_at"
            ),
        ]
        indexes = [
            models.Index(
                fields=["touched_at"], condition=Q(status__in=["pending", "sending"]), name="reminderdigest_unsent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.period} · {self.helper_id}"
