"""factory_boy factories: the one place test data is made."""

import itertools
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from cases.demo import resident_id
from cases.models import Cause, FileCause, HardshipFile, Member, Relation, Tier
from cases.workflow import FileStatus
from org.models import Membership, Unit, UnitKind

_ids = itertools.count(1)


def new_resident_id() -> str:
    return resident_id(next(_ids) * 7 + 3)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name_zh = factory.Sequence(lambda n: f"单位{n}")
    name_en = factory.Sequence(lambda n: f"Unit {n}")
    kind = UnitKind.GROUP


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "伟"
    last_name = factory.Sequence(lambda n: "王李张刘陈"[n % 5])
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def roles(self, create: bool, extracted, **kwargs) -> None:
        """roles=[(unit, Role.CADRE), ...]"""
        self.save()
        for unit, role in extracted or []:
            Membership.objects.create(user=self, unit=unit, role=role)


class HardshipFileFactory(factory.django.DjangoModelFactory):
    """A file written straight to the table: for reads. Writes under test go through services."""

    class Meta:
        model = HardshipFile
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    federation = factory.LazyAttribute(lambda o: Unit.objects.get(pk=o.unit.root_id))
    status = FileStatus.DRAFT
    name = factory.Sequence(lambda n: f"{'王李张刘陈'[n % 5]}测试{n}")
    id_number = factory.LazyFunction(new_resident_id)
    birth_date = factory.LazyAttribute(
        lambda o: __import__("datetime").date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14]))
    )
    sex = factory.LazyAttribute(lambda o: "M" if int(o.id_number[16]) % 2 else "F")
    worker_income = Decimal("1200.00")
    household_income = Decimal("1200.00")
    per_capita_income = Decimal("1200.00")
    tier = factory.LazyFunction(lambda: Tier.objects.order_by("order").first())
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def cause(self, create: bool, extracted, **kwargs) -> None:
        cause = extracted or Cause.objects.order_by("order").first()
        FileCause.objects.create(file=self, cause=cause, is_primary=True)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    file = factory.SubFactory(HardshipFileFactory)
    relation = Relation.SPOUSE
    name = factory.Sequence(lambda n: f"家属{n}")
    age = 40
    monthly_income = Decimal("500.00")


# Funds and the ledger (funds app). Money moves only through funds.services.


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "funds.Fund"
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    kind = factory.LazyFunction(lambda: _first_fund_kind())
    name = factory.Sequence(lambda n: f"帮扶资金{n}")

    @factory.post_generation
    def balance(self, create: bool, extracted, **kwargs) -> None:
        from funds.services import fund_ensure_balance

        fund_ensure_balance(fund=self)


def _first_fund_kind():
    from funds.models import FundKind

    return FundKind.objects.order_by("order").first()


def funded(unit: Unit, amount: str | Decimal = "1000.00", by=None, **kwargs):
    """A fund at `unit` holding `amount`, allocated through the service by federation staff."""
    from funds.services import fund_allocate
    from org.models import Role

    fund = FundFactory(unit=unit, **kwargs)
    if by is None:
        root = Unit.objects.get(pk=unit.root_id)
        by = UserFactory(roles=[(root, Role.FEDERATION_STAFF)])
    fund_allocate(fund=fund, amount=Decimal(amount), source="finance", by=by, idempotency_key=f"seed-{fund.pk}")
    return fund


# Visits: models named by label, so this file's imports stay as they were.
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _today():
    from django.utils import timezone

    return timezone.localdate()


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit written straight to the table: for reads. Recording under test goes through visit_record."""

    class Meta:
        model = "visits.Visit"

    file = factory.SubFactory(HardshipFileFactory, status=FileStatus.FILED)
    visited_on = factory.LazyFunction(_today)
    kind = "monthly"
    outcome = "no_change"
    recorded_by = factory.SubFactory(UserFactory)


class VisitAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "visits.VisitAttachment"

    visit = factory.SubFactory(VisitFactory)
    content_type = "application/pdf"
    file = factory.django.FileField(filename="scan.pdf", data=PDF_BYTES)
    original_name = "scan.pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SubFactory(UserFactory)


class MonitoringFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "visits.MonitoringFlag"

    file = factory.SubFactory(HardshipFileFactory, status=FileStatus.FILED)
    reason = "decline"
