"""Shortcuts for tests that drive the real services."""

from decimal import Decimal

from cases.models import Cause, Tier
from cases.services import MemberData, file_save
from tests.factories import new_resident_id


def file_data(**overrides) -> dict:
    data = {
        "name": "王小明",
        "id_number": new_resident_id(),
        "phone": "13800001111",
        "address": "人民路1号",
        "employer": "第一机械厂",
        "employment_status": "laid_off",
        "union_member": True,
        "health": "chronic",
        "worker_income": Decimal("1500.00"),
        "other_income": Decimal("300.00"),
        "tier": Tier.objects.order_by("order").first(),
        "review_due_on": None,
    }
    data.update(overrides)
    return data


def member(**overrides) -> MemberData:
    fields = {
        "relation": "spouse",
        "name": "李红",
        "id_number": "",
        "age": 45,
        "health": "serious",
        "schooling": "none",
        "job": "",
        "monthly_income": Decimal("600.00"),
    }
    fields.update(overrides)
    return MemberData(fields=fields)


def create_file(*, by, unit, members=None, **overrides):
    causes = list(Cause.objects.order_by("order")[:2])
    return file_save(
        by=by,
        unit=unit,
        data=file_data(**overrides),
        causes=causes,
        primary_cause=causes[0],
        members=members if members is not None else [member()],
    )
