"""The suggested amount: the Shougang-like medical bands, tables, fixed amounts, caps; and its properties."""

from decimal import Decimal

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from funds.calculator import Band, Facts, RuleSpec, suggest_amount
from funds.models import RuleKind

D = Decimal
SHOUGANG = RuleSpec(
    kind=RuleKind.BANDS,
    bands=(
        Band(D("0"), D("5000"), D("0")),
        Band(D("5000"), D("20000"), D("0.30")),
        Band(D("20000"), D("50000"), D("0.40")),
        Band(D("50000"), D("100000"), D("0.50")),
        Band(D("100000"), None, D("0.60")),
    ),
    per_request_cap=D("50000"),
    uplift_percent=D("20"),
    yearly_cap=D("50000"),
)


def test_bands_pay_each_slice_of_the_out_of_pocket_cost_at_its_rate():
    facts = Facts(total_cost=D("60000"), insurance=D("25000"), other_aid=D("5000"))  # 30,000 out of pocket
    result = suggest_amount(SHOUGANG, facts)
    assert result.amount == D("8500.00")  # 15,000 × 30% + 10,000 × 40%
    with translation.override("en"):
        lines = [str(step) for step in result.steps]
    assert lines[0] == "Out-of-pocket cost: 60,000.00 total − 25,000.00 insurance − 5,000.00 other aid = 30,000.00 yuan"
    assert "Band 5,000.00–20,000.00 yuan: 15,000.00 × 30% = 4,500.00 yuan" in lines
    assert "Band 20,000.00–50,000.00 yuan: 10,000.00 × 40% = 4,000.00 yuan" in lines
    assert lines[-1] == "Suggested amount: 8,500.00 yuan"


def test_derivation_reads_in_chinese_too():
    result = suggest_amount(SHOUGANG, Facts(total_cost=D("10000")))
    with translation.override("zh-hans"):
        text = " ".join(str(step) for step in result.steps)
    assert "自付" in text and "建议金额" in text


def test_special_factor_uplifts_then_the_request_cap_applies():
    facts = Facts(total_cost=D("200000"), special_factor="malignant_tumour")
    result = suggest_amount(SHOUGANG, facts)
    codes = [step.code for step in result.steps]
    assert codes.index("uplift") < codes.index("request_cap")
    assert result.amount == D("50000.00")


def test_prior_aid_this_year_counts_against_the_yearly_cap():
    result = suggest_amount(SHOUGANG, Facts(total_cost=D("60000")), already_received_this_year=D("45000"))
    assert result.amount == D("5000.00")
    assert "yearly_capped" in [step.code for step in result.steps]


def test_table_pays_by_school_stage_and_nothing_for_a_missing_stage():
    rule = RuleSpec(kind=RuleKind.TABLE, table={"college": D("3000")})
    assert suggest_amount(rule, Facts(category="college")).amount == D("3000.00")
    assert suggest_amount(rule, Facts(category="primary")).amount == D("0.00")


def test_fixed_amount():
    assert suggest_amount(RuleSpec(kind=RuleKind.FIXED, fixed_amount=D("500")), Facts()).amount == D("500.00")


money = st.decimals(min_value=D("0"), max_value=D("500000"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("1"), places=4)


@st.composite
def band_rules(draw):
    edges = sorted(set(draw(st.lists(money, min_size=1, max_size=5))))
    uppers = [*edges[1:], None]
    bands = tuple(Band(lo, hi, draw(rates)) for lo, hi in zip(edges, uppers, strict=True))
    return RuleSpec(
        kind=RuleKind.BANDS,
        bands=bands,
        per_request_cap=draw(st.none() | money),
        uplift_percent=draw(st.decimals(min_value=D("0"), max_value=D("100"), places=2)),
        yearly_cap=draw(st.none() | money),
    )


facts = st.builds(
    Facts, total_cost=money, insurance=money, other_aid=money, special_factor=st.sampled_from(["", "organ_transplant"])
)


@given(rule=band_rules(), facts=facts, received=money)
def test_never_above_a_cap_never_negative_exact_to_the_fen(rule, facts, received):
    amount = suggest_amount(rule, facts, received).amount
    assert amount >= 0
    assert amount == amount.quantize(D("0.01"))
    if rule.per_request_cap is not None:
        assert amount <= rule.per_request_cap
    if rule.yearly_cap is not None:
        assert amount <= max(rule.yearly_cap - received, D("0"))


@given(rule=band_rules(), low=money, extra=money, received=money, factor=st.sampled_from(["", "malignant_tumour"]))
def test_monotonic_in_the_out_of_pocket_cost(rule, low, extra, received, factor):
    less = suggest_amount(rule, Facts(total_cost=low, special_factor=factor), received).amount
    more = suggest_amount(rule, Facts(total_cost=low + extra, special_factor=factor), received).amount
    assert less <= more
