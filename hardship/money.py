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
