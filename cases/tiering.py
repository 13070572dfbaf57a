"""The tier suggestion: a pure calculation from the household's year, the local standard and the rules.

Nothing here touches the database. `suggest()` returns a `Suggestion` whose
`basis()` is stored on the file as plain JSON (amounts as strings), so the "why"
panel shows the figures, the standard and the rule exactly as they were when the
suggestion was made; `explain()` turns that JSON into sentences in the reader's
language.

Comparisons are exact: "below N × the standard" is `figure < N × standard`, and
"costs above P% of the annual income" is `costs × 100 > income × P`; only the
amounts shown are rounded to the fen.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from hardship.money import quantize

BELOW_STANDARD = "below_standard"
COSTS_ABOVE_SHARE = "costs_above_share"
CAUSE_APPLIES = "cause_applies"
MONTHS = 12
# A figure just below a threshold, for "if it fell below T" (thresholds are fen-exact or finer).
_JUST_BELOW = Decimal("0.0001")
_FEN = Decimal("0.01")
# The outcome of a what-if that would need the missing standard: not stated.
_UNKNOWN = object()


@dataclass(frozen=True)
class Rule:
    pk: int
    kind: str
    tier_id: int
    factor: Decimal | None = None
    cause_id: int | None = None


@dataclass(frozen=True)
class Standard:
    amount: Decimal
    year: int
    locality_zh: str
    locality_en: str = ""


@dataclass(frozen=True)
class Household:
    members: int
    annual_income: Decimal
    income_entered: bool = True
    medical_costs: Decimal = Decimal("0.00")
    schooling_costs: Decimal = Decimal("0.00")
    disaster_losses: Decimal = Decimal("0.00")
    hardship_costs: Decimal = Decimal("0.00")
    cause_ids: frozenset[int] = frozenset()

    @property
    def rigid_expenditure(self) -> Decimal:
        return self.medical_costs + self.schooling_costs + self.disaster_losses


@dataclass(frozen=True)
class Change:
    """What would change the tier: `when` the figure or the costs crossed `amount`, the tier would be `tier_id`."""

    when: str  # "figure_at_least", "figure_below", "costs_above", "costs_at_most"
    amount: Decimal
    tier_id: int | None


@dataclass(frozen=True)
class Suggestion:
    tier_id: int | None
    per_capita: Decimal
    household: Household
    year: int
    standard: Standard | None
    # Why there is no standard: "" (there is one, or none was needed), "locality" or "standard".
    missing: str = ""
    locality_zh: str = ""
    locality_en: str = ""
    rule: Rule | None = None
    changes: tuple[Change, ...] = field(default=())

    def basis(self) -> dict[str, Any]:
        """A JSON-ready record of the suggestion (amounts as strings), for the file."""
        h = self.household
        money = {
            "annual_income": h.annual_income,
            "medical_costs": h.medical_costs,
            "schooling_costs": h.schooling_costs,
            "disaster_losses": h.disaster_losses,
            "hardship_costs": h.hardship_costs,
            "per_capita": self.per_capita,
        }
        record: dict[str, Any] = {k: str(v) for k, v in money.items()}
        record.update(
            members=h.members,
            income_entered=h.income_entered,
            cause_ids=sorted(h.cause_ids),
            year=self.year,
            missing=self.missing,
            locality_zh=self.locality_zh,
            locality_en=self.locality_en,
            tier_id=self.tier_id,
            standard=str(self.standard.amount) if self.standard else None,
            rule=_rule_record(self.rule) if self.rule else None,
            changes=[{"when": c.when, "amount": str(c.amount), "tier_id": c.tier_id} for c in self.changes],
        )
        return record


def _rule_record(rule: Rule) -> dict[str, Any]:
    return {
        "pk": rule.pk,
        "kind": rule.kind,
        "factor": str(rule.factor) if rule.factor is not None else None,
        "cause_id": rule.cause_id,
        "tier_id": rule.tier_id,
    }


def per_capita_monthly(household: Household) -> Decimal:
    """(annual income − rigid expenditure) ÷ 12 ÷ members, to the fen; negative when costs exceed income."""
    return quantize((household.annual_income - household.rigid_expenditure) / (MONTHS * max(household.members, 1)))


class _NeedsStandard(Exception):
    pass


def _holds(rule: Rule, household: Household, figure: Decimal, costs: Decimal, standard: Standard | None) -> bool:
    if rule.kind == BELOW_STANDARD:
        if standard is None:
            raise _NeedsStandard
        return figure < rule.factor * standard.amount
    if rule.kind == COSTS_ABOVE_SHARE:
        return costs * 100 > household.annual_income * rule.factor
    if rule.kind == CAUSE_APPLIES:
        return rule.cause_id in household.cause_ids if rule.cause_id else bool(household.cause_ids)
    return False


def _first_match(
    rules: Sequence[Rule], household: Household, figure: Decimal, costs: Decimal, standard: Standard | None
) -> Rule | None:
    """The first rule that holds; raises `_NeedsStandard` on reaching a standard rule without a standard."""
    return next((r for r in rules if _holds(r, household, figure, costs, standard)), None)


def suggest(
    *,
    household: Household,
    rules: Sequence[Rule],
    year: int,
    standard: Standard | None,
    locality_zh: str = "",
    locality_en: str = "",
    locality_known: bool = True,
) -> Suggestion:
    """The tier the rules give this household, and what would change it.

    Rules are tried in the given order; a rule that needs the local standard when
    there is none stops the calculation with no suggestion rather than guessing.
    """
    figure = per_capita_monthly(household)
    base = {
        "per_capita": figure,
        "household": household,
        "year": year,
        "standard": standard,
        "locality_zh": locality_zh or (standard.locality_zh if standard else ""),
        "locality_en": locality_en or (standard.locality_en if standard else ""),
    }
    try:
        rule = _first_match(rules, household, figure, household.hardship_costs, standard)
    except _NeedsStandard:
        return Suggestion(tier_id=None, missing="standard" if locality_known else "locality", **base)

    def tier_if(figure_: Decimal, costs_: Decimal) -> int | None | object:
        try:
            matched = _first_match(rules, household, figure_, costs_, standard)
        except _NeedsStandard:
            return _UNKNOWN
        return matched.tier_id if matched else None

    current = rule.tier_id if rule else None
    changes = _changes(rules, household, figure, standard, current, tier_if)
    return Suggestion(tier_id=current, rule=rule, changes=tuple(changes), **base)


def _first_change(candidates: list[tuple[str, Decimal, Any]], current: int | None) -> list[Change]:
    for when, amount, tier_id in candidates:
        if tier_id is _UNKNOWN:
            return []
        if tier_id != current:
            return [Change(when=when, amount=quantize(amount), tier_id=tier_id)]
    return []


def _changes(
    rules: Sequence[Rule],
    household: Household,
    figure: Decimal,
    standard: Standard | None,
    current: int | None,
    tier_if: Callable[[Decimal, Decimal], Any],
) -> list[Change]:
    """The nearest figure (up and down) and cost thresholds (up and down) at which the tier would change.

    Cost thresholds do not move the figure; the per-capita figure is evaluated under the
    current costs. Only crossings that change the tier are listed.
    """
    costs = household.hardship_costs
    figure_marks = sorted({r.factor * standard.amount for r in rules if r.kind == BELOW_STANDARD and standard})
    up = [("figure_at_least", t, tier_if(t, costs)) for t in figure_marks if figure < t]
    down = [("figure_below", t, tier_if(t - _JUST_BELOW, costs)) for t in reversed(figure_marks) if t <= figure]
    cost_marks = sorted({household.annual_income * r.factor / 100 for r in rules if r.kind == COSTS_ABOVE_SHARE})
    # "Exceeded c" is tried at the first fen above c; "c or less" at c itself.
    costs_up = [("costs_above", c, tier_if(figure, _fen_above(c))) for c in cost_marks if costs <= c]
    costs_down = [("costs_at_most", c, tier_if(figure, c)) for c in reversed(cost_marks) if costs > c]
    changes: list[Change] = []
    for candidates in (up, down, costs_up, costs_down):
        changes += _first_change(candidates, current)
    return changes


def _fen_above(amount: Decimal) -> Decimal:
    rounded = quantize(amount)
    return rounded + _FEN if rounded <= amount else rounded


# --- Plain words -------------------------------------------------------------------------------


def yuan(value: Any) -> str:
    return f"¥{Decimal(value):,.2f}"


def explain(
    basis: dict[str, Any], *, tier_name: Callable[[int | None], str], cause_name: Callable[[int], str], english: bool
) -> list[str]:
    """The stored suggestion as sentences in the active language: figures, standard, rule, what would change."""
    if not basis:
        return [_("No tier has been suggested yet: save the card to compute one.")]
    lines = [_figures_line(basis)]
    locality = (basis.get("locality_en") if english else "") or basis.get("locality_zh") or ""
    if basis["missing"] == "locality":
        lines.append(
            _(
                "The file's unit has no locality, so no minimum living standard applies. An administrator must "
                "set the unit's locality; no tier is suggested until then."
            )
        )
        return lines
    if basis["missing"] == "standard":
        lines.append(
            _(
                "No minimum living standard is recorded for %(locality)s for %(year)s. An administrator must add "
                "it; no tier is suggested until then."
            )
            % {"locality": locality, "year": basis["year"]}
        )
        return lines
    if basis.get("standard"):
        lines.append(
            _("Minimum living standard used: %(amount)s per person per month (%(locality)s, %(year)s).")
            % {"amount": yuan(basis["standard"]), "locality": locality, "year": basis["year"]}
        )
    lines.append(_rule_line(basis, tier_name, cause_name))
    lines += [_change_line(c, tier_name) for c in basis.get("changes", [])]
    return lines


def _figures_line(b: dict[str, Any]) -> str:
    if b["income_entered"]:
        income = _("Annual disposable income %(income)s") % {"income": yuan(b["annual_income"])}
    else:
        income = _("Annual disposable income %(income)s (12 × the monthly household income)") % {
            "income": yuan(b["annual_income"])
        }
    rigid = Decimal(b["medical_costs"]) + Decimal(b["schooling_costs"]) + Decimal(b["disaster_losses"])
    return _(
        "%(income)s, less rigid expenditure %(rigid)s (medical %(medical)s, schooling %(schooling)s, disaster "
        "losses %(disaster)s), over 12 months and %(members)s members: %(figure)s per person per month."
    ) % {
        "income": income,
        "rigid": yuan(rigid),
        "medical": yuan(b["medical_costs"]),
        "schooling": yuan(b["schooling_costs"]),
        "disaster": yuan(b["disaster_losses"]),
        "members": b["members"],
        "figure": yuan(b["per_capita"]),
    }


def _rule_line(b: dict[str, Any], tier_name: Callable, cause_name: Callable) -> str:
    rule = b.get("rule")
    if rule is None:
        return _(
            "No rule holds: the figure is above every threshold, the costs are below the share and no cause "
            "applies. No tier is suggested."
        )
    tier = tier_name(rule["tier_id"])
    if rule["kind"] == BELOW_STANDARD:
        factor = Decimal(rule["factor"])
        return _("Rule: the figure %(figure)s is below %(factor)s × the standard (%(threshold)s), so: %(tier)s.") % {
            "figure": yuan(b["per_capita"]),
            "factor": _number(factor),
            "threshold": yuan(quantize(factor * Decimal(b["standard"]))),
            "tier": tier,
        }
    if rule["kind"] == COSTS_ABOVE_SHARE:
        share = Decimal(rule["factor"])
        return _(
            "Rule: this year's hardship-causing costs %(costs)s are above %(share)s%% of the annual income "
            "(%(threshold)s), so: %(tier)s."
        ) % {
            "costs": yuan(b["hardship_costs"]),
            "share": _number(share),
            "threshold": yuan(quantize(Decimal(b["annual_income"]) * share / 100)),
            "tier": tier,
        }
    if rule.get("cause_id"):
        return _("Rule: the cause “%(cause)s” applies, so: %(tier)s.") % {
            "cause": cause_name(rule["cause_id"]),
            "tier": tier,
        }
    return _("Rule: a cause of difficulty applies, so: %(tier)s.") % {"tier": tier}


def _change_line(change: dict[str, Any], tier_name: Callable) -> str:
    outcome = (
        _("the tier would be %(tier)s") % {"tier": tier_name(change["tier_id"])}
        if change["tier_id"] is not None
        else _("no tier would be suggested")
    )
    templates = {
        "figure_at_least": _("If the per-capita figure rose to %(amount)s or more, %(outcome)s."),
        "figure_below": _("If the per-capita figure fell below %(amount)s, %(outcome)s."),
        "costs_above": _("If the hardship-causing costs exceeded %(amount)s, %(outcome)s."),
        "costs_at_most": _("If the hardship-causing costs were %(amount)s or less, %(outcome)s."),
    }
    return templates[change["when"]] % {"amount": yuan(change["amount"]), "outcome": outcome}


def _number(value: Decimal) -> str:
    """2.00 -> "2", 1.50 -> "1.5"."""
    return f"{value.normalize():f}"
