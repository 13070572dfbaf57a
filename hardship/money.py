"""The one definition of a yuan amount: exact decimals, quantized to the fen."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

FEN = Decimal("0.01")
# No household income or aid amount in this domain comes near this; larger is a typo.
ABSURD_AMOUNT = Decimal("1000000.00")


def quantize(value: Decimal) -> Decimal:
    """Round a yuan amount to the fen, halves away from zero."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


class MoneyField(models.DecimalField):
    """A non-negative yuan amount with two decimals."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("default", Decimal("0.00"))
        kwargs.setdefault("validators", [MinValueValidator(Decimal("0")), MaxValueValidator(ABSURD_AMOUNT)])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "hardship.money.MoneyField", args, kwargs


class MoneySum(models.Sum):
    """A sum of yuan amounts, exact to the fen on every backend.

    SQLite adds decimals as floating point (0.01 + 0.02 - 0.02 - 0.01 gives
    1.7e-18, not 0): there the sum is rounded to the fen in SQL, so comparisons
    in the query are exact too, and every result comes back quantized.
    """

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        # NUMERIC, as Django's own SQLite decimals are, so `= 0` compares as a number.
        return f"CAST(ROUND({sql}, 2) AS NUMERIC)", params

    def get_db_converters(self, connection):
        return [*super().get_db_converters(connection), _to_fen]


def _to_fen(value, expression, connection):
    return None if value is None else quantize(value)
