"""Does a household meet the relief rule? A pure calculation from monthly figures, standards, the plan and the rules.

Nothing here touches the database. A household meets the relief rule when any
active rule holds:

- "above the standard": the per-capita monthly figure was above N × the local
  standard in each of the last M calendar months. The run ends with the current
  month when its figure is in, otherwise with the month before (this month's
  figure may not be recorded yet); a month without a figure, without a standard,
  or at or below the threshold breaks it. "Above" is strict: exactly at the
  standard is not above it.
- "plan goals met": the assistance plan's goals are marked met.

`assess()` returns an `Assessment`; `record()` turns it into JSON for a proposal
and `explain()` into sentences in the reader's language.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from hardship.money import quantize
from hardship.months import month_start, previous_month

from .tiering import yuan

ABOVE_STANDARD = "above_standard"
PLAN_GOALS_MET = "plan_goals_met"


@dataclass(frozen=True)
class Rule:
    pk: int
    kind: str
    factor: Decimal = Decimal("1.00")
    months: int = 6


@dataclass(frozen=True)
class MonthRow:
    """One month of the run: its figure, the threshold it had to beat, and whether it did."""

    month: dt.date
    figure: Decimal | None
    threshold: Decimal | None
    above: bool


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    holds: bool
    run: int = 0
    months: tuple[MonthRow, ...] = ()
    # Why the run stopped short: "" (it did not), "missing", "no_standard" or "not_above".
    broken_by: str = ""
    goals_met_on: dt.date | None = None


@dataclass(frozen=True)
class Assessment:
    results: tuple[RuleResult, ...] = field(default=())

    @property
    def met(self) -> bool:
        return any(r.holds for r in self.results)

    def holds(self, kind: str) -> bool:
        return any(r.holds for r in self.results if r.rule.kind == kind)

    def has_rule(self, kind: str) -> bool:
        return any(r.rule.kind == kind for r in self.results)


def months_needed(rules: Sequence[Rule]) -> int:
    """How many months of figures the rules read, at most (plus the current month)."""
    return max((r.months for r in rules if r.kind == ABOVE_STANDARD), default=0) + 1


def _run_end(figures: Mapping[dt.date, Decimal], today: dt.date) -> dt.date:
    current = month_start(today)
    return current if current in figures else previous_month(current)


def _above_standard(
    rule: Rule, figures: Mapping[dt.date, Decimal], standards: Mapping[int, Decimal | None], today: dt.date
) -> RuleResult:
    month, rows, broken_by = _run_end(figures, today), [], ""
    while len(rows) < rule.months:
        figure, standard = figures.get(month), standards.get(month.year)
        threshold = rule.factor * standard if standard is not None else None
        above = figure is not None and threshold is not None and figure > threshold
        rows.append(MonthRow(month=month, figure=figure, threshold=threshold, above=above))
        if not above:
            broken_by = "missing" if figure is None else "no_standard" if threshold is None else "not_above"
            break
        month = previous_month(month)
    run = sum(1 for row in rows if row.above)
    return RuleResult(rule=rule, holds=run >= rule.months, run=run, months=tuple(rows), broken_by=broken_by)


def assess(
    *,
    rules: Sequence[Rule],
    figures: Mapping[dt.date, Decimal],
    standards: Mapping[int, Decimal | None],
    goals_met_on: dt.date | None,
    today: dt.date,
) -> Assessment:
    """Each rule's result, in the rules' order.

    `figures` maps a month's first day to its per-capita figure; `standards` a year to the local amount.
    """
    results = []
    for rule in rules:
        if rule.kind == ABOVE_STANDARD:
            results.append(_above_standard(rule, figures, standards, today))
        elif rule.kind == PLAN_GOALS_MET:
            results.append(RuleResult(rule=rule, holds=goals_met_on is not None, goals_met_on=goals_met_on))
    return Assessment(results=tuple(results))


def record(assessment: Assessment) -> dict[str, Any]:
    """A JSON-ready copy of the assessment (amounts as strings), kept on a proposal."""
    return {
        "met": assessment.met,
        "results": [
            {
                "kind": r.rule.kind,
                "factor": str(r.rule.factor),
                "months_needed": r.rule.months,
                "holds": r.holds,
                "run": r.run,
                "broken_by": r.broken_by,
                "goals_met_on": r.goals_met_on.isoformat() if r.goals_met_on else None,
                "months": [
                    {
                        "month": f"{m.month:%Y-%m}",
                        "figure": None if m.figure is None else str(m.figure),
                        "threshold": None if m.threshold is None else str(quantize(m.threshold)),
                        "above": m.above,
                    }
                    for m in r.months
                ],
            }
            for r in assessment.results
        ],
    }


# --- Plain words -------------------------------------------------------------------------------


def explain(assessment: Assessment, *, locality: str) -> list[str]:
    """The assessment as sentences in the active language: each rule, whether it holds and why."""
    if not assessment.results:
        return [_("No relief rule is active: an administrator must set one up.")]
    lines = [_explain_rule(r, locality) for r in assessment.results]
    if assessment.met:
        lines.append(_("The household meets the relief rule; a branch chair confirms relief."))
    else:
        lines.append(_("The household does not meet the relief rule yet."))
    return lines


def _times(rule: Rule) -> str:
    factor = f"{rule.factor.normalize():f}"
    if factor == "1":
        return _("the standard")
    return _("%(factor)s × the standard") % {"factor": factor}


def _explain_rule(result: RuleResult, locality: str) -> str:
    rule = result.rule
    if rule.kind == PLAN_GOALS_MET:
        if result.holds:
            return _("The assistance plan's goals were marked met on %(date)s.") % {
                "date": f"{result.goals_met_on:%Y-%m-%d}"
            }
        return _("The assistance plan's goals are not marked met.")
    if not result.months:
        return ""
    first, last = result.months[-1], result.months[0]
    params = {"times": _times(rule), "needed": rule.months, "run": result.run}
    if result.holds:
        return _(
            "The per-capita figure was above %(times)s in each of the %(needed)s months from %(first)s to %(last)s."
        ) % {**params, "first": f"{first.month:%Y-%m}", "last": f"{last.month:%Y-%m}"}
    head = _("The per-capita figure was above %(times)s for %(run)s of the %(needed)s consecutive months needed.") % (
        params
    )
    stop = result.months[-1]
    month = f"{stop.month:%Y-%m}"
    if result.broken_by == "missing":
        why = _("No figure is recorded for %(month)s.") % {"month": month}
    elif result.broken_by == "no_standard":
        why = _("No minimum living standard is recorded for %(locality)s for %(year)s.") % {
            "locality": locality or "—",
            "year": stop.month.year,
        }
    else:
        why = _("In %(month)s the figure %(figure)s was not above %(threshold)s.") % {
            "month": month,
            "figure": yuan(stop.figure),
            "threshold": yuan(quantize(stop.threshold)),
        }
    return f"{head} {why}"
