"""Holiday condolence batches (送温暖): one fund, an amount or goods per tier, a line per household.

A batch is approved as a whole (its total reserved in one ledger transaction);
each line is then paid from that reservation when the household's receipt is
marked delivered, and the lines still undelivered when the batch closes are
released. The batch's share of the fund's reserved money is always the sum of
its pending lines.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import HardshipFile, Tier
from hardship.money import MoneyField, MoneySum
from org.models import Unit
from org.scoping import ScopedQuerySet
from visits.models import Holiday, Visit

from .aid import AidType
from .ledger import Fund, LedgerTransaction


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved, money reserved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Not delivered")
    EXCLUDED = "excluded", _("Excluded")
    DELIVERED = "delivered", _("Delivered")
    RELEASED = "released", _("Not delivered, money released")
    CANCELLED = "cancelled", _("Batch cancelled")


# A household holds its place in a holiday's condolence while its line is in one of these.
PLACE_HOLDING = (LineStatus.PENDING, LineStatus.DELIVERED, LineStatus.RELEASED)


class BatchQuerySet(ScopedQuerySet):
    pass


class CondolenceBatch(models.Model):
    """Holiday condolence for the households of a unit's subtree, paid from one fund."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    holiday = models.ForeignKey(Holiday, verbose_name=_("holiday"), on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="batches")
    # Deliveries count as aid of this type received in the year (see funds.services.aid.already_received).
    aid_type = models.ForeignKey(AidType, verbose_name=_("aid type"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.DRAFT)
    reservation = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("condolence batch")
        verbose_name_plural = _("condolence batches")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"])
                | Q(reservation__isnull=False, approved_at__isnull=False),
                name="batch_approved_has_reservation",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="batch_closed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funds:batch_detail", args=[self.pk])


class BatchTier(models.Model):
    """What every household of one tier receives: money, goods of a stated value, or both."""

    batch = models.ForeignKey(CondolenceBatch, on_delete=models.CASCADE, related_name="tiers")
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="+")
    cash = MoneyField(_("money (yuan)"))
    goods = models.CharField(_("goods"), max_length=200, blank=True)
    goods_value = MoneyField(_("value of the goods (yuan)"))

    class Meta:
        verbose_name = _("amount per tier")
        verbose_name_plural = _("amounts per tier")
        ordering = ["tier__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "tier"], name="batchtier_unique"),
            models.CheckConstraint(condition=Q(cash__gte=0, goods_value__gte=0), name="batchtier_not_negative"),
            models.CheckConstraint(condition=Q(goods="") | Q(goods_value__gt=0), name="batchtier_goods_have_value"),
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.cash} + {self.goods_value}"

    @property
    def value(self):
        return self.cash + self.goods_value


class BatchLineQuerySet(ScopedQuerySet):
    scope_field = "file__unit"

    def total_value(self) -> Decimal:
        """Money and goods of the lines, together."""
        sums = self.aggregate(cash=MoneySum("cash"), goods=MoneySum("goods_value"))
        return (sums["cash"] or Decimal("0.00")) + (sums["goods"] or Decimal("0.00"))

    def value_received(self, *, hfile: HardshipFile, aid_type: AidType, year: int) -> Decimal:
        """What the household received of this type through batches, delivered in the calendar year."""
        return self.filter(
            file=hfile, batch__aid_type=aid_type, status=LineStatus.DELIVERED,
            delivered_on__gte=dt.date(year, 1, 1), delivered_on__lt=dt.date(year + 1, 1, 1),
        ).total_value()  # fmt: skip


class BatchLine(models.Model):
    """One household of a batch: what it gets, and whether and how it was delivered."""

    batch = models.ForeignKey(CondolenceBatch, on_delete=models.PROTECT, related_name="lines")
    # Copied from the batch so that "one batch per household and holiday" is a database constraint.
    holiday = models.ForeignKey(Holiday, on_delete=models.PROTECT, related_name="+", editable=False)
    file = models.ForeignKey(
        HardshipFile, verbose_name=_("household"), on_delete=models.PROTECT, related_name="condolence_lines"
    )
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="+")
    cash = MoneyField(_("money (yuan)"))
    goods = models.CharField(_("goods"), max_length=200, blank=True)
    goods_value = MoneyField(_("value of the goods (yuan)"))
    status = models.CharField(_("status"), max_length=20, choices=LineStatus.choices, default=LineStatus.PENDING)
    excluded_reason = models.CharField(_("reason for excluding"), max_length=300, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    received_by = models.CharField(_("received by"), max_length=50, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The household's holiday visit in the holiday's window, when one was on record at the delivery.
    visit = models.ForeignKey(
        Visit, verbose_name=_("holiday visit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BatchLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("condolence line")
        verbose_name_plural = _("condolence lines")
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["holiday", "file"],
                condition=Q(status__in=["pending", "delivered", "released"]),
                name="batchline_one_batch_per_holiday",
            ),
            models.CheckConstraint(condition=Q(cash__gte=0, goods_value__gte=0), name="batchline_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="delivered")
                | Q(payment__isnull=False, delivered_on__isnull=False, delivered_by__isnull=False) & ~Q(received_by=""),
                name="batchline_delivered_is_paid",
            ),
            models.CheckConstraint(
                condition=~Q(status="excluded") | ~Q(excluded_reason=""), name="batchline_excluded_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["batch", "status", "id"], name="batchline_batch_status")]

    def __str__(self) -> str:
        return f"{self.batch_id} · {self.file_id}"

    @property
    def value(self):
        return self.cash + self.goods_value


class BatchAction(models.TextChoices):
    CREATE = "create", _("Created")
    EXCLUDE = "exclude", _("Household excluded")
    INCLUDE = "include", _("Household included again")
    APPROVE = "approve", _("Approved")
    DELIVER = "deliver", _("Delivered")
    REVERSE = "reverse", _("Delivery reversed")
    CLOSE = "close", _("Closed")
    CANCEL = "cancel", _("Cancelled")


class BatchEvent(models.Model):
    """An audit row for every change of a batch or one of its lines: who, when, what and why."""

    batch = models.ForeignKey(CondolenceBatch, on_delete=models.CASCADE, related_name="events")
    line = models.ForeignKey(BatchLine, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=BatchAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("batch event")
        verbose_name_plural = _("batch events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"
