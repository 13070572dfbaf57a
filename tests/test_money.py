from decimal import Decimal

from cases.models import Member
from hardship.money import MoneySum, quantize
from tests.factories import MemberFactory


def test_quantize_rounds_halves_away_from_zero():
    assert quantize(Decimal("0.005")) == Decimal("0.01")
    assert quantize(Decimal("2.344")) == Decimal("2.34")


def test_money_sum_is_exact_to_the_fen_on_every_database(file_a1):
    for amount in ("0.10", "0.20", "1000000.00", "0.07"):
        MemberFactory(file=file_a1, monthly_income=Decimal(amount))
    total = Member.objects.aggregate(s=MoneySum("monthly_income"))["s"]
    assert total == Decimal("1000000.37") and str(total) == "1000000.37"


def test_money_sum_compares_exactly_inside_the_query(file_a1):
    for amount in ("0.10", "0.20", "0.70"):
        MemberFactory(file=file_a1, monthly_income=Decimal(amount))
    # As floats 0.1 + 0.2 + 0.7 is 0.9999999999999999: SQLite alone would find no row.
    per_file = Member.objects.values("file").annotate(s=MoneySum("monthly_income"))
    assert list(per_file.filter(s=1).values_list("s", flat=True)) == [Decimal("1.00")]
