"""Holiday condolence batches for tests: a holiday, gifts per tier, and batches made through the services."""

import datetime as dt
from decimal import Decimal

from cases.models import Tier
from cases.workflow import FileStatus
from funds.services import TierGift, batch_approve, batch_create
from org.models import Role, Unit
from tests.factories import HardshipFileFactory, UserFactory, funded
from visits.models import Holiday


def holiday(year: int = 2027, code: str = "spring-festival") -> Holiday:
    return Holiday.objects.get(code=code, year=year)


def tiers() -> list[Tier]:
    return list(Tier.objects.order_by("order"))


def gifts(first: str = "500.00", second: str = "300.00", goods: str = "") -> list[TierGift]:
    """Money for the two deepest tiers; goods (worth 100 yuan) too when named."""
    deep, relative = tiers()[:2]
    value = Decimal("100.00") if goods else Decimal("0")
    return [
        TierGift(tier=deep, cash=first, goods=goods, goods_value=value),
        TierGift(tier=relative, cash=second),
    ]


def household(unit: Unit, tier_index: int = 0, **kwargs):
    kwargs.setdefault("status", FileStatus.FILED)
    return HardshipFileFactory(unit=unit, tier=tiers()[tier_index], **kwargs)


def make_batch(unit: Unit, fund, by, *, on: Holiday | None = None, **gift_args):
    return batch_create(
        unit=unit, holiday=on or holiday(), fund=fund, name="春节送温暖", gifts=gifts(**gift_args), by=by
    )


def chair_of(unit: Unit):
    return UserFactory(roles=[(unit, Role.BRANCH_CHAIR)])


def approved_batch(unit: Unit, *, households: int = 2, money: str = "10000.00"):
    """An approved batch of `unit` (a branch) paid from a fund of the branch, made and approved by two chairs."""
    for _ in range(households):
        household(unit.children.first() or unit)
    fund = funded(unit, money)
    batch = make_batch(unit, fund, chair_of(unit))
    return batch_approve(batch=batch, by=chair_of(unit))


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# URL arguments for tests/test_url_matrix.py: a batch of the matrix file's branch with the file (made filed) in it.


def _matrix_batch(hfile, *, approved: bool = False, delivered: bool = False):
    from funds.services import batch_line_deliver

    type(hfile).objects.filter(pk=hfile.pk).update(status=FileStatus.FILED, tier=tiers()[0])
    branch = Unit.objects.get(pk=hfile.unit.parent_id)
    batch = make_batch(branch, funded(branch, "5000.00"), chair_of(branch))
    if approved or delivered:
        batch = batch_approve(batch=batch, by=chair_of(branch))
    line = batch.lines.get(file=hfile)
    if delivered:
        batch_line_deliver(
            line=line, by=hfile.created_by, delivered_on=today(), received_by="本人", idempotency_key="m"
        )
    return batch, line


def batch_args(hfile) -> list[int]:
    return [_matrix_batch(hfile)[0].pk]


def batch_line_args(hfile) -> list[int]:
    batch, line = _matrix_batch(hfile)
    return [batch.pk, line.pk]


def approved_line_args(hfile) -> list[int]:
    batch, line = _matrix_batch(hfile, approved=True)
    return [batch.pk, line.pk]


def delivered_line_args(hfile) -> list[int]:
    batch, line = _matrix_batch(hfile, delivered=True)
    return [batch.pk, line.pk]
