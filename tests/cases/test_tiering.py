"""The tier calculator: exact figures, every default rule at its boundaries, what would change, plain words."""

from decimal import Decimal as D

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cases.tiering import (
    BELOW_STANDARD,
    CAUSE_APPLIES,
    COSTS_ABOVE_SHARE,
    Change,
    Household,
    Rule,
    Standard,
    explain,
    per_capita_monthly,
    suggest,
)

DEEP, RELATIVE, ACCIDENT, GENERAL = 1, 2, 3, 4
ILLNESS, SCHOOLING = 11, 12
# The shipped defaults: deep below the standard, relative below twice it, accident above 80%, general on a cause.
RULES = [
    Rule(pk=1, kind=BELOW_STANDARD, factor=D("1"), tier_id=DEEP),
    Rule(pk=2, kind=BELOW_STANDARD, factor=D("2"), tier_id=RELATIVE),
    Rule(pk=3, kind=COSTS_ABOVE_SHARE, factor=D("80"), tier_id=ACCIDENT),
    Rule(pk=4, kind=CAUSE_APPLIES, tier_id=GENERAL),
]
KUNMING = Standard(amount=D("660.00"), year=2026, locality_zh="昆明市", locality_en="Kunming")
NAMES = {DEEP: "Deep hardship", RELATIVE: "Relative hardship", ACCIDENT: "Accident-caused hardship", GENERAL: "General"}


def household(figure_total: str = "0", members: int = 1, **kw) -> Household:
    """A household whose (income − rigid) per year is `figure_total`."""
    kw.setdefault("cause_ids", frozenset({ILLNESS}))
    return Household(members=members, annual_income=D(figure_total), **kw)


def tier_of(h: Household, standard: Standard | None = KUNMING, rules=RULES) -> int | None:
    return suggest(household=h, rules=rules, year=2026, standard=standard).tier_id


def lines(suggestion, language: str = "en") -> list[str]:
    with translation.override(language):
        return explain(
            suggestion.basis(),
            tier_name=lambda pk: NAMES.get(pk, "—"),
            cause_name=lambda pk: "Serious illness",
            english=language == "en",
        )


class TestPerCapitaFigure:
    def test_income_less_rigid_expenditure_over_twelve_months_and_members(self):
        h = Household(
            members=3,
            annual_income=D("36000.00"),
            medical_costs=D("5000.00"),
            schooling_costs=D("2000.00"),
            disaster_losses=D("1000.00"),
        )
        # (36000 − 8000) / 12 / 3 = 777.777… → 777.78
        assert per_capita_monthly(h) == D("777.78")

    def test_halves_round_up_to_the_fen(self):
        # 100.02 / 12 / 1 = 8.335 exactly → 8.34
        assert per_capita_monthly(Household(members=1, annual_income=D("100.02"))) == D("8.34")

    def test_costs_above_income_give_a_negative_figure(self):
        h = Household(members=2, annual_income=D("12000"), medical_costs=D("36000"))
        assert per_capita_monthly(h) == D("-1000.00")


class TestDefaultRules:
    def test_below_the_standard_is_deep(self):
        assert tier_of(household("7919.88")) == DEEP  # 659.99 a month

    def test_exactly_at_the_standard_is_not_deep(self):
        assert tier_of(household("7920.00")) == RELATIVE  # 660.00 a month

    def test_just_below_twice_the_standard_is_relative(self):
        assert tier_of(household("15839.88")) == RELATIVE  # 1319.99

    def test_exactly_twice_the_standard_falls_through_to_the_cause(self):
        assert tier_of(household("15840.00")) == GENERAL  # 1320.00

    def test_costs_above_eighty_percent_of_income_are_accident_caused(self):
        h = household("40000.00", hardship_costs=D("32000.01"))
        assert tier_of(h) == ACCIDENT

    def test_costs_of_exactly_eighty_percent_are_not_accident_caused(self):
        h = household("40000.00", hardship_costs=D("32000.00"))
        assert tier_of(h) == GENERAL

    def test_the_threshold_is_configurable(self):
        rules = [*RULES[:2], Rule(pk=3, kind=COSTS_ABOVE_SHARE, factor=D("50"), tier_id=ACCIDENT), RULES[3]]
        assert tier_of(household("40000.00", hardship_costs=D("20000.01")), rules=rules) == ACCIDENT

    def test_no_cause_and_no_threshold_crossed_gives_no_suggestion(self):
        suggestion = suggest(
            household=household("40000", cause_ids=frozenset()), rules=RULES, year=2026, standard=KUNMING
        )
        assert suggestion.tier_id is None
        assert any("No rule holds" in line for line in lines(suggestion))

    def test_a_cause_rule_can_name_one_cause(self):
        rules = [Rule(pk=9, kind=CAUSE_APPLIES, cause_id=SCHOOLING, tier_id=GENERAL)]
        assert tier_of(household("40000"), rules=rules) is None
        assert tier_of(household("40000", cause_ids=frozenset({SCHOOLING})), rules=rules) == GENERAL

    def test_rules_are_tried_in_the_given_order(self):
        accident_first = [RULES[2], *RULES[:2], RULES[3]]
        h = household("1200", hardship_costs=D("5000"))  # deep by figure, accident by costs
        assert tier_of(h) == DEEP
        assert tier_of(h, rules=accident_first) == ACCIDENT


class TestMissingStandard:
    def test_no_standard_means_no_suggestion_and_says_so(self):
        suggestion = suggest(
            household=household("1200"),
            rules=RULES,
            year=2027,
            standard=None,
            locality_zh="昆明市",
            locality_en="Kunming",
        )
        assert suggestion.tier_id is None and suggestion.missing == "standard"
        assert "No minimum living standard is recorded for Kunming for 2027" in lines(suggestion)[-1]
        assert "昆明市" in lines(suggestion, "zh-hans")[-1]

    def test_no_locality_says_the_unit_needs_one(self):
        suggestion = suggest(household=household("1200"), rules=RULES, year=2026, standard=None, locality_known=False)
        assert suggestion.missing == "locality"
        assert "no locality" in lines(suggestion)[-1]

    def test_a_rule_before_the_standard_rules_still_applies(self):
        accident_first = [RULES[2], *RULES[:2]]
        suggestion = suggest(
            household=household("1200", hardship_costs=D("5000")), rules=accident_first, year=2026, standard=None
        )
        assert suggestion.tier_id == ACCIDENT
        # What would happen below the costs threshold needs the standard: not guessed.
        assert suggestion.changes == ()


class TestWhatWouldChange:
    def test_relative_names_both_thresholds(self):
        suggestion = suggest(household=household("8000.04", members=1), rules=RULES, year=2026, standard=KUNMING)
        assert suggestion.tier_id == RELATIVE
        assert suggestion.changes == (
            Change(when="figure_at_least", amount=D("1320.00"), tier_id=GENERAL),
            Change(when="figure_below", amount=D("660.00"), tier_id=DEEP),
        )
        assert "If the per-capita figure rose to ¥1,320.00 or more, the tier would be General." in lines(suggestion)

    def test_general_names_the_cost_threshold(self):
        suggestion = suggest(household=household("40000"), rules=RULES, year=2026, standard=KUNMING)
        assert Change(when="costs_above", amount=D("32000.00"), tier_id=ACCIDENT) in suggestion.changes
        assert Change(when="figure_below", amount=D("1320.00"), tier_id=RELATIVE) in suggestion.changes

    def test_accident_names_the_costs_that_would_end_it(self):
        suggestion = suggest(
            household=household("40000", hardship_costs=D("35000")), rules=RULES, year=2026, standard=KUNMING
        )
        assert suggestion.tier_id == ACCIDENT
        assert Change(when="costs_at_most", amount=D("32000.00"), tier_id=GENERAL) in suggestion.changes

    def test_deep_names_only_the_way_up(self):
        suggestion = suggest(household=household("1200"), rules=RULES, year=2026, standard=KUNMING)
        assert [c.when for c in suggestion.changes] == ["figure_at_least"]
        assert suggestion.changes[0].amount == D("660.00") and suggestion.changes[0].tier_id == RELATIVE


class TestPlainWords:
    def test_the_panel_gives_figures_standard_and_rule_in_english(self):
        h = Household(members=3, annual_income=D("30000"), income_entered=False, medical_costs=D("6000"))
        text = lines(suggest(household=h, rules=RULES, year=2026, standard=KUNMING))
        assert "(12 × the monthly household income)" in text[0]
        assert "3 members: ¥666.67 per person per month" in text[0]
        assert text[1] == "Minimum living standard used: ¥660.00 per person per month (Kunming, 2026)."
        assert text[2] == "Rule: the figure ¥666.67 is below 2 × the standard (¥1,320.00), so: Relative hardship."

    def test_the_panel_speaks_chinese(self):
        text = lines(suggest(household=household("1200"), rules=RULES, year=2026, standard=KUNMING), "zh-hans")
        assert "昆明市" in text[1]
        assert "低保" in text[1] or "最低生活" in text[1]

    def test_a_file_never_computed_says_so(self):
        assert "save the card" in explain({}, tier_name=str, cause_name=str, english=True)[0]


MONEY = st.decimals(min_value=D("0"), max_value=D("200000"), places=2)


@given(income=MONEY, medical=MONEY, members=st.integers(min_value=1, max_value=9), raise_by=MONEY)
def test_more_income_never_gives_a_deeper_tier(income, medical, members, raise_by):
    order = {DEEP: 1, RELATIVE: 2, GENERAL: 4, None: 5}
    rules = [RULES[0], RULES[1], RULES[3]]
    poorer = tier_of(
        Household(members=members, annual_income=income, medical_costs=medical, cause_ids=frozenset({1})), rules=rules
    )
    richer = tier_of(
        Household(members=members, annual_income=income + raise_by, medical_costs=medical, cause_ids=frozenset({1})),
        rules=rules,
    )
    assert order[richer] >= order[poorer]


@given(income=MONEY, medical=MONEY, members=st.integers(min_value=1, max_value=9))
def test_each_stated_change_really_changes_the_tier(income, medical, members):
    rules = [RULES[0], RULES[1], RULES[3]]
    h = Household(members=members, annual_income=income, medical_costs=medical, cause_ids=frozenset({ILLNESS}))
    suggestion = suggest(household=h, rules=rules, year=2026, standard=KUNMING)
    for change in suggestion.changes:
        assert change.tier_id != suggestion.tier_id
        at = change.amount if change.when == "figure_at_least" else change.amount - D("0.01")
        moved = Household(members=members, annual_income=at * 12 * members, cause_ids=h.cause_ids)
        assert tier_of(moved, rules=rules) == change.tier_id


@pytest.mark.parametrize("members", [1, 2, 5])
def test_one_fen_below_the_standard_is_deep_whatever_the_household(members):
    just_below = (D("660.00") - D("0.01")) * 12 * members
    assert tier_of(household(str(just_below), members=members)) == DEEP
    assert tier_of(household(str(D("660.00") * 12 * members), members=members)) == RELATIVE
