"""Funds, their fiscal-year budgets, and the append-only double-entry ledger that moves their money.

Every movement is one `LedgerTransaction` with `Entry` rows that sum to zero.
Each fund has four accounts: two it holds (available, reserved) and two
external ones (income: where allocations come from; paid out: where
disbursements go). `FundBalance` keeps the held accounts' totals beside the
entries, written under the same row lock, and the database refuses a negative
total. Ledger rows are never updated or deleted: corrections are reversals.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import ConfigItem
from hardship.money import MoneyField
from org.models import Unit
from org.scoping import ScopedQuerySet


class FundKind(ConfigItem):
    """Special assistance, warm-sending, education...: an administrator-edited list."""

    class Meta(ConfigItem.Meta):
        verbose_name = _("fund kind")
        verbose_name_plural = _("fund kinds")


class FundQuerySet(ScopedQuerySet):
    pass


class Fund(models.Model):
    """A named pot of money held by one unit of the tree."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="funds")
    kind = models.ForeignKey(FundKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="funds")
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = FundQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["unit__path", "kind__order", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="fund_unique_name_in_unit")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funds:fund_detail", args=[self.pk])


class FundBalance(models.Model):
    """The fund's held accounts, kept beside the entries under the same row lock."""

    fund = models.OneToOneField(Fund, primary_key=True, on_delete=models.PROTECT, related_name="balance")
    available = models.DecimalField(_("available"), max_digits=14, decimal_places=2, default=0)
    reserved = models.DecimalField(_("reserved"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("fund balance")
        verbose_name_plural = _("fund balances")
        constraints = [
            models.CheckConstraint(condition=Q(available__gte=0), name="fundbalance_available_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="fundbalance_reserved_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fund}: {self.available} + {self.reserved}"

    @property
    def total(self):
        return self.available + self.reserved


class FiscalYear(models.Model):
    """A fund's budget for one calendar year, and the carry-over recorded when the year is closed."""

    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="fiscal_years")
    year = models.PositiveSmallIntegerField(_("year"))
    budget = MoneyField(_("budget"), validators=[MinValueValidator(Decimal("0"))])
    # Recorded by close_fiscal_year: the previous year's closing becomes this year's opening.
    opening = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2, null=True, blank=True)
    closing = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2, null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("fiscal year")
        verbose_name_plural = _("fiscal years")
        ordering = ["fund", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "year"], name="fiscalyear_unique_per_fund"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="fiscalyear_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.year}"


class FundYearTotal(models.Model):
    """What came into, went out of and was paid out of a fund in one calendar year, kept beside its entries
    under the fund's balance lock.

    The year is the transaction's in the union's time zone. `money_in` and `money_out` are the year's entries
    on the fund's held accounts, positive ones and negative ones apart (so `money_out` is negative or zero and
    `money_in + money_out` is what the year added to the fund), leaving out moves between the fund's own
    accounts (`moves_money`). The budget table and the annual summary read these rows instead of summing every
    entry of every year (seconds over a million entries); tests check them against the entries.
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="year_totals")
    year = models.PositiveSmallIntegerField(_("year"))
    paid_out = models.DecimalField(_("paid out"), max_digits=14, decimal_places=2, default=0)
    money_in = models.DecimalField(_("money in"), max_digits=14, decimal_places=2, default=0)
    money_out = models.DecimalField(_("money out"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("fund year total")
        verbose_name_plural = _("fund year totals")
        constraints = [
            models.UniqueConstraint(fields=["fund", "year"], name="fundyeartotal_unique_per_fund"),
            models.CheckConstraint(condition=Q(money_in__gte=0), name="fundyeartotal_money_in_not_negative"),
            models.CheckConstraint(condition=Q(money_out__lte=0), name="fundyeartotal_money_out_not_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} {self.year}: {self.paid_out}"


class TransactionKind(models.TextChoices):
    ALLOCATION = "allocation", _("Allocation")
    TRANSFER = "transfer", _("Transfer")
    RESERVATION = "reservation", _("Reservation")
    RELEASE = "release", _("Release")
    DISBURSEMENT = "disbursement", _("Disbursement")
    REVERSAL = "reversal", _("Reversal")


class Source(models.TextChoices):
    """Where allocated money comes from."""

    FINANCE = "finance", _("Finance department")
    UNION_DUES = "union_dues", _("Union funds")
    DONATION = "donation", _("Donation")
    OTHER = "other", _("Other")


class Account(models.TextChoices):
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    INCOME = "income", _("Income")
    PAID_OUT = "paid_out", _("Paid out")


HELD_ACCOUNTS = (Account.AVAILABLE, Account.RESERVED)
# Moves between a fund's own accounts: they change neither what it holds nor what came in or went out.
INTERNAL_KINDS = (TransactionKind.RESERVATION, TransactionKind.RELEASE)


def moves_money(kind: str, reversed_kind: str | None) -> bool:
    """Whether a transaction of `kind` (reversing one of `reversed_kind`) moves money into or out of a fund,
    rather than between its own accounts; `moved_q` is the same rule as a filter."""
    return kind not in INTERNAL_KINDS and reversed_kind not in INTERNAL_KINDS


def moved_q(prefix: str = "") -> models.Q:
    """Entries that move money into or out of a fund (not between its own accounts): `moves_money`, the rule the
    year totals are kept by, as a filter (the statement's money in and out, the annual summary's links to it)."""
    return ~models.Q(**{f"{prefix}transaction__kind__in": INTERNAL_KINDS}) & ~models.Q(
        **{f"{prefix}transaction__reverses__kind__in": INTERNAL_KINDS}
    )


class LedgerRowChanged(Exception):
    """Raised on any attempt to change or delete a ledger row: corrections are reversals."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerRowChanged(_("Ledger rows cannot be changed; record a reversal instead."))

    def delete(self):
        raise LedgerRowChanged(_("Ledger rows cannot be deleted; record a reversal instead."))

    def bulk_update(self, objs, fields, batch_size=None):
        raise LedgerRowChanged(_("Ledger rows cannot be changed; record a reversal instead."))


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise LedgerRowChanged(_("Ledger rows cannot be changed; record a reversal instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerRowChanged(_("Ledger rows cannot be deleted; record a reversal instead."))


class LedgerTransactionQuerySet(AppendOnlyQuerySet):
    def touching(self, fund: Fund):
        return self.filter(entries__fund=fund).distinct()


class LedgerTransaction(AppendOnly):
    """One movement of money: its entries sum to zero."""

    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # A double click, a retried request or a retried task carries the same key: one transaction.
    idempotency_key = models.CharField(max_length=100, unique=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    # What caused the movement (an aid request, a batch): set by the service that caused it.
    cause_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cause_id = models.PositiveBigIntegerField(null=True, blank=True)
    cause = GenericForeignKey("cause_type", "cause_id")

    objects = LedgerTransactionQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False) | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="ledgertransaction_reversal_has_original",
            ),
            models.CheckConstraint(
                condition=Q(kind="allocation") & ~Q(source="") | ~Q(kind="allocation") & Q(source=""),
                name="ledgertransaction_allocation_has_source",
            ),
        ]
        indexes = [models.Index(fields=["cause_type", "cause_id"], name="ledgertx_cause")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class EntryQuerySet(AppendOnlyQuerySet):
    def held(self):
        return self.filter(account__in=HELD_ACCOUNTS)


class Entry(AppendOnly):
    """One leg of a transaction on one account of one fund; `*_after` is the fund's balance after it."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="entries")
    account = models.CharField(_("account"), max_length=20, choices=Account.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    available_after = models.DecimalField(max_digits=14, decimal_places=2)
    reserved_after = models.DecimalField(max_digits=14, decimal_places=2)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-pk"]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero")]
        indexes = [models.Index(fields=["fund", "account", "-id"], name="entry_fund_statement")]

    def __str__(self) -> str:
        return f"{self.fund} {self.get_account_display()} {self.amount}"

    @property
    def balance_after(self):
        return self.available_after + self.reserved_after
