"""The suggested aid amount and its derivation: a pure function of the rule, the facts and the year's aid.

Every step of the arithmetic is kept as data (`Step`: a message and its
numbers) so the request page and the approval sheet print the same derivation
in the reader's language. Every intermediate amount is rounded to the fen
(ROUND_HALF_UP), which keeps the result exact to the fen and monotonic in the
out-of-pocket cost.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from cases.models import Schooling
from hardship.money import quantize

from .models import RuleKind, SpecialFactor

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Band:
    lower: Decimal
    upper: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class RuleSpec:
    """The plain data of an `AmountRule` (see `spec_of`), so the calculator needs no database."""

    kind: str
    fixed_amount: Decimal = ZERO
    bands: tuple[Band, ...] = ()
    table: Mapping[str, Decimal] = field(default_factory=dict)
    per_request_cap: Decimal | None = None
    uplift_percent: Decimal = ZERO
    yearly_cap: Decimal | None = None
    topup: "TopUp | None" = None


@dataclass(frozen=True)
class TopUp:
    """A second fund stacked on the amount: a fixed sum plus a share of what the per-request cap cut, up to a cap
    on the two together."""

    combined_cap: Decimal
    percent: Decimal = ZERO
    fixed: Decimal = ZERO
    kind_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Facts:
    total_cost: Decimal = ZERO
    insurance: Decimal = ZERO
    other_aid: Decimal = ZERO
    special_factor: str = ""
    category: str = ""

    @property
    def out_of_pocket(self) -> Decimal:
        return max(quantize(self.total_cost - self.insurance - self.other_aid), ZERO)


TEXTS = {
    "out_of_pocket": _(
        "Out-of-pocket cost: %(cost)s total − %(insurance)s insurance − %(other)s other aid = %(oop)s yuan"
    ),
    "band": _("Band %(lower)s–%(upper)s yuan: %(part)s × %(rate)s%% = %(amount)s yuan"),
    "bands_total": _("Sum of the bands: %(amount)s yuan"),
    "fixed": _("Fixed amount: %(amount)s yuan"),
    "table": _("Amount for %(category)s: %(amount)s yuan"),
    "table_missing": _("No amount is set for %(category)s: 0.00 yuan"),
    "uplift": _("Special factor (%(factor)s): + %(percent)s%% = %(uplift)s yuan, %(amount)s yuan in all"),
    "request_cap": _("Capped at %(cap)s yuan per request: %(amount)s yuan"),
    "yearly": _("Already received this year: %(received)s of the %(cap)s yuan yearly cap; %(left)s yuan left"),
    "yearly_capped": _("Limited to what is left of the yearly cap: %(amount)s yuan"),
    "received": _("Already received this year of this type: %(received)s yuan"),
    "result": _("Suggested amount: %(amount)s yuan"),
    "combined_base": _("The combined cap of %(cap)s yuan also limits the amount: %(amount)s yuan"),
    "topup": _(
        "Top-up from %(fund)s: %(fixed)s fixed + %(percent)s%% of the %(cut)s yuan above the per-request cap "
        "= %(topup)s yuan"
    ),
    "topup_capped": _(
        "Amount %(amount)s + top-up %(wanted)s yuan is more than the combined cap of %(cap)s yuan: "
        "%(cut)s yuan cut, top-up %(topup)s yuan"
    ),
    "topup_within": _("Amount %(amount)s + top-up %(topup)s yuan is within the combined cap of %(cap)s yuan"),
    "topup_none": _("No top-up from %(fund)s: the per-request cap cut nothing (combined cap %(cap)s yuan)"),
    "result_total": _("Suggested in all: %(amount)s + %(topup)s top-up = %(total)s yuan"),
}


def yuan(value: Decimal | None) -> str:
    return "∞" if value is None else f"{value:,.2f}"


def percent(value: Decimal) -> str:
    """30.0000 -> "30", 12.5 -> "12.5"."""
    return f"{value.quantize(Decimal('0.01'))}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Step:
    """One line of the derivation: a message code and its numbers, rendered in the active language."""

    code: str
    params: Mapping[str, Any]

    def __str__(self) -> str:
        return str(TEXTS[self.code]) % {k: (yuan(v) if isinstance(v, Decimal) else v) for k, v in self.params.items()}


@dataclass(frozen=True)
class Derivation:
    amount: Decimal
    steps: tuple[Step, ...]
    topup: Decimal = ZERO
    combined_cap: Decimal | None = None
    topup_kind_id: int | None = None
    topup_label: str = ""

    @property
    def total(self) -> Decimal:
        return self.amount + self.topup


def _base(rule: RuleSpec, facts: Facts, steps: list[Step]) -> Decimal:
    if rule.kind == RuleKind.FIXED:
        steps.append(Step("fixed", {"amount": quantize(rule.fixed_amount)}))
        return quantize(rule.fixed_amount)
    if rule.kind == RuleKind.TABLE:
        label = Schooling(facts.category).label if facts.category in Schooling.values else facts.category
        if facts.category not in rule.table:
            steps.append(Step("table_missing", {"category": label}))
            return ZERO
        amount = quantize(rule.table[facts.category])
        steps.append(Step("table", {"category": label, "amount": amount}))
        return amount
    return _bands(rule, facts, steps)


def _bands(rule: RuleSpec, facts: Facts, steps: list[Step]) -> Decimal:
    oop = facts.out_of_pocket
    steps.append(
        Step(
            "out_of_pocket",
            {
                "cost": quantize(facts.total_cost),
                "insurance": quantize(facts.insurance),
                "other": quantize(facts.other_aid),
                "oop": oop,
            },
        )  # fmt: skip
    )
    total = ZERO
    for band in sorted(rule.bands, key=lambda b: b.lower):
        top = oop if band.upper is None else min(oop, band.upper)
        part = top - band.lower
        if part <= 0:
            continue
        amount = quantize(part * band.rate)
        total += amount
        steps.append(
            Step(
                "band",
                {
                    "lower": band.lower,
                    "upper": band.upper,
                    "part": quantize(part),
                    "rate": percent(band.rate * HUNDRED),
                    "amount": amount,
                },
            )  # fmt: skip
        )
    steps.append(Step("bands_total", {"amount": total}))
    return total


def suggest_amount(rule: RuleSpec, facts: Facts, already_received_this_year: Decimal = ZERO) -> Derivation:
    """The amount the rule suggests for these facts, never above a cap nor below zero, and how it was reached."""
    steps: list[Step] = []
    amount = max(_base(rule, facts, steps), ZERO)
    if facts.special_factor and rule.uplift_percent > 0:
        uplift = quantize(amount * rule.uplift_percent / HUNDRED)
        amount += uplift
        label = SpecialFactor(facts.special_factor).label if facts.special_factor in SpecialFactor.values else ""
        steps.append(
            Step(
                "uplift",
                {"factor": label, "percent": percent(rule.uplift_percent), "uplift": uplift, "amount": amount},
            )
        )
    uncapped = amount
    if rule.per_request_cap is not None and amount > rule.per_request_cap:
        amount = quantize(rule.per_request_cap)
        steps.append(Step("request_cap", {"cap": rule.per_request_cap, "amount": amount}))
    received = quantize(already_received_this_year)
    if rule.yearly_cap is not None:
        left = max(quantize(rule.yearly_cap) - received, ZERO)
        steps.append(Step("yearly", {"received": received, "cap": rule.yearly_cap, "left": left}))
        if amount > left:
            amount = left
            steps.append(Step("yearly_capped", {"amount": amount}))
    else:
        steps.append(Step("received", {"received": received}))
    if rule.topup is None:
        steps.append(Step("result", {"amount": amount}))
        return Derivation(amount=amount, steps=tuple(steps))
    return _with_topup(rule.topup, amount, uncapped - amount, steps)


def _with_topup(topup: TopUp, amount: Decimal, cut: Decimal, steps: list[Step]) -> Derivation:
    """The top-up on `amount`: its fixed sum and its share of the `cut` the per-request cap made, within the
    combined cap (which limits the amount itself first)."""
    cap = quantize(topup.combined_cap)
    if amount > cap:
        amount = cap
        steps.append(Step("combined_base", {"cap": cap, "amount": amount}))
    steps.append(Step("result", {"amount": amount}))
    wanted = quantize(topup.fixed) + quantize(cut * topup.percent / HUNDRED)
    if not wanted:
        steps.append(Step("topup_none", {"fund": topup.label, "cap": cap}))
        return Derivation(amount=amount, steps=tuple(steps), combined_cap=cap, topup_kind_id=topup.kind_id,
                          topup_label=topup.label)  # fmt: skip
    steps.append(
        Step(
            "topup",
            {
                "fund": topup.label,
                "fixed": quantize(topup.fixed),
                "percent": percent(topup.percent),
                "cut": cut,
                "topup": wanted,
            },
        )  # fmt: skip
    )
    given = min(wanted, cap - amount)
    if given < wanted:
        steps.append(
            Step(
                "topup_capped", {"amount": amount, "wanted": wanted, "cap": cap, "cut": wanted - given, "topup": given}
            )
        )
    else:
        steps.append(Step("topup_within", {"amount": amount, "topup": given, "cap": cap}))
    steps.append(Step("result_total", {"amount": amount, "topup": given, "total": amount + given}))
    return Derivation(
        amount=amount, steps=tuple(steps), topup=given, combined_cap=cap, topup_kind_id=topup.kind_id,
        topup_label=topup.label,
    )  # fmt: skip


def spec_of(rule) -> RuleSpec:
    """The calculator's view of an `AmountRule` (its bands and table rows prefetched or queried)."""
    return RuleSpec(
        kind=rule.kind,
        fixed_amount=rule.fixed_amount,
        bands=tuple(Band(b.lower, b.upper, b.rate) for b in rule.bands.all()),
        table={row.category: row.amount for row in rule.table_rows.all()},
        per_request_cap=rule.per_request_cap,
        uplift_percent=rule.uplift_percent,
        yearly_cap=rule.yearly_cap,
        topup=_topup_of(rule),
    )


def _topup_of(rule) -> TopUp | None:
    if rule.topup_kind_id is None or rule.combined_cap is None:
        return None
    return TopUp(
        combined_cap=rule.combined_cap, percent=rule.topup_percent, fixed=rule.topup_fixed,
        kind_id=rule.topup_kind_id, label=str(rule.topup_kind),
    )  # fmt: skip
